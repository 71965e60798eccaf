import Testing
import FileStore

/// The `Range` header of the hub's file and snapshot downloads (Sources/FileStore/ByteRange.swift).
@Suite struct ByteRangeTests {
    @Test func readsOneRangeWithinTheFile() {
        #expect(ByteRange.parse("bytes=0-", size: 10) == .success(ByteRange(first: 0, last: 9)))
        #expect(ByteRange.parse("bytes=4-6", size: 10) == .success(ByteRange(first: 4, last: 6)))
        #expect(ByteRange.parse(" bytes=4-100 ", size: 10) == .success(ByteRange(first: 4, last: 9)))
    }

    @Test("refusals, each the one the header deserves", arguments: [
        ("bytes=5-2", ByteRange.Problem.lastBeforeFirst), ("bytes=10-", .beyondEnd), ("bytes=0-", .beyondEnd),
        ("bytes=-5", .notUnderstood), ("bytes=1-2,4-5", .notUnderstood), ("bytes=+1-", .notUnderstood), ("items=0-", .notUnderstood),
        ("bytes=99999999999999999999-", .notUnderstood), ("bytes=1-x", .notUnderstood), ("bytes=٣-", .notUnderstood),
    ])
    func refuses(_ header: String, _ problem: ByteRange.Problem) {
        #expect(ByteRange.parse(header, size: header == "bytes=0-" ? 0 : 10) == .failure(problem))
    }
}
