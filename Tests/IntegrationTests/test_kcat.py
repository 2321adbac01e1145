"""kcat (librdkafka 2.0) against the broker: metadata, and a byte-exact produce/consume round trip."""
import subprocess


def kcat(broker, *args, input_bytes=None, timeout=30):
    result = subprocess.run(["kcat", "-b", broker.bootstrap, *args], input=input_bytes,
                            capture_output=True, timeout=timeout)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return result.stdout


def test_metadata_lists_the_broker(broker):
    out = kcat(broker, "-L").decode()
    assert "1 brokers:" in out
    assert f"broker 1 at 127.0.0.1:{broker.port}" in out


def test_produce_and_consume_keys_values_and_headers_byte_exact(broker, topic_name, tmp_path):
    lines = [f"key-{i}:value {i} " + "x" * (i * 37 % 500) for i in range(200)]
    lines.append("k\u00e9y:v\u00e4lue with unicode")
    source = tmp_path / "input.txt"
    source.write_text("\n".join(lines) + "\n")
    kcat(broker, "-P", "-t", topic_name, "-K:", "-H", "origin=kcat", "-H", "n=1", "-l", str(source))
    out = kcat(broker, "-C", "-t", topic_name, "-o", "beginning", "-e", "-f", "%k:%s|%h\n")
    consumed = out.decode().splitlines()
    assert consumed == [f"{line}|origin=kcat,n=1" for line in lines]


def test_unknown_topic_is_reported_without_auto_create(broker):
    result = subprocess.run(
        ["kcat", "-b", broker.bootstrap, "-L", "-t", "no.such.topic", "-X", "allow.auto.create.topics=false"],
        capture_output=True, timeout=30)
    assert b"Unknown topic or partition" in result.stdout + result.stderr or b"0 partitions" in result.stdout
