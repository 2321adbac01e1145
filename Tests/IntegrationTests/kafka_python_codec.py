"""Codec peer for PetrelProtocolTests/KafkaPythonCrossTests.swift: kafka-python (3.0.12) as an
independent implementation of Kafka's wire format.

Reads a JSON list of {"name", "version", "hex"} on stdin (bodies Petrel encoded), decodes each
with kafka-python's class of that name, re-encodes it, and writes a JSON list of
{"name", "version", "hex"} or {"name", "version", "error"} on stdout.
With --versions, instead prints {name: [min, max]} for every message kafka-python has.
"""
import importlib
import json
import pkgutil
import sys

import kafka.protocol
from kafka.protocol.api_message import ApiMessage


def message_classes():
    for module in pkgutil.walk_packages(kafka.protocol.__path__, "kafka.protocol."):
        try:
            importlib.import_module(module.name)
        except ImportError:
            continue
    classes = {}
    pending = [ApiMessage]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            pending.append(sub)
            if getattr(sub, "_class_version", None) is None and getattr(sub, "_json", None) is not None:
                classes[sub.name] = sub
    return classes


def main():
    classes = message_classes()
    if sys.argv[1:] == ["--versions"]:
        json.dump({name: [cls.min_version, cls.max_version] for name, cls in classes.items()}, sys.stdout)
        return
    results = []
    for item in json.load(sys.stdin):
        name, version = item["name"], item["version"]
        try:
            cls = classes[name]
            decoded = cls.decode(bytes.fromhex(item["hex"]), version=version)
            # decode() fills fields only; encode() also reads the header slot of a decoded message.
            decoded._header = None
            results.append({"name": name, "version": version, "hex": decoded.encode(version=version).hex()})
        except Exception as error:  # reported per message; the Swift test fails on it
            results.append({"name": name, "version": version, "error": f"{type(error).__name__}: {error}"})
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
