import NIOCore
import PetrelProtocol

/// libFuzzer target over the broker's request path: a frame body (after the size prefix) goes
/// through `KafkaFraming.readRequestHeader` and `ApiKey.decodeRequest`. Any input may fail to
/// decode, but must never crash; an input that decodes must re-encode, and the re-encoding must be
/// a fixed point (decode + encode gives the same bytes again).
///
/// `make fuzz` builds it with `-sanitize=fuzzer,address` and runs it on Tests/FuzzCorpus/request-decoder.
/// A plain build replays the files named on the command line (to reproduce a crash).
func fuzzOneFrame(_ bytes: UnsafeRawBufferPointer) {
    var reader = KafkaReader(buffer: ByteBuffer(bytes: bytes))
    guard let header = try? KafkaFraming.readRequestHeader(from: &reader),
        let request = try? ApiKey(header.requestApiKey).decodeRequest(from: &reader, version: header.requestApiVersion)
    else { return }
    let version = header.requestApiVersion
    // Re-encoding fails only when unknown tagged fields repeat a tag (they have no ascending order).
    guard let first = try? request.encoded(version: version) else { return }
    var firstReader = KafkaReader(buffer: first)
    guard let again = try? ApiKey(header.requestApiKey).decodeRequest(from: &firstReader, version: version) else { preconditionFailure("re-encoded \(header.requestApiKey) v\(version) does not decode") }
    guard let second = try? again.encoded(version: version), second == first else {
        preconditionFailure("\(header.requestApiKey) v\(version) re-encoding is not a fixed point")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestDecoder(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzOneFrame(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size))
    return 0
}

#if !FUZZING
import Foundation

@main
struct FuzzRequestDecoderMain {
    static func main() throws {
        for path in CommandLine.arguments.dropFirst() {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            data.withUnsafeBytes(fuzzOneFrame)
            print("ok \(path)")
        }
    }
}
#endif
