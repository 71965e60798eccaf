// Fuzz target: `Gzip.decompress(_:limit:)`, which every gzip body (hub push, local API) and
// compressed exchange file goes through. A small limit (64 KiB) makes bombs cheap to find.
//
// Besides not crashing: nothing longer than the limit comes out, and what comes out compresses
// and decompresses back to itself.
import FuzzSupport
import WireProtocol

let limit = 64 << 10

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    let result = Result { () throws(Gzip.Failure) in try Gzip.decompress(bytes, limit: limit) }
    switch result {
    case .success(let output):
        guard output.count <= limit else { fuzzFailure("\(output.count) bytes out, beyond the limit of \(limit)") }
        let compressed: [UInt8]
        do { compressed = try Gzip.compress(output) } catch { fuzzFailure("cannot compress \(output.count) bytes: \(error)") }
        guard (try? Gzip.decompress(compressed, limit: limit)) == output else {
            fuzzFailure("decompressed data does not survive compress + decompress")
        }
    case .failure(.tooLarge(let reported)):
        guard reported == limit else { fuzzFailure("tooLarge names \(reported), not the limit \(limit)") }
    case .failure(.corrupt):
        break
    }
    return 0
}

@_cdecl("FuzzGzip_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, testOneInput)
}
