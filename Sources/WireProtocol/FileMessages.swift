/// `POST /v1/files/status` (Protocol/README.md §16.4): which of these files does the hub hold,
/// and how much of each, so the node sends only what is missing.
public struct FileStatusRequest: Codable, Sendable, Equatable {
    /// SHA-256s (64 lowercase hex digits), at most ``maxHashes``.
    public var sha256: [String]
    public static let maxHashes = 1_000

    public init(sha256: [String]) { self.sha256 = sha256 }
}

/// The hub's answer: one entry per asked hash, in the asked order.
public struct FileStatusResponse: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        public var sha256: String
        /// `complete`: held and verified; `partial`: `held` bytes received so far; `absent`:
        /// nothing yet; `unknown`: no row this unit may read refers to it (whether or not the hub
        /// holds it — the answer for a guessed hash).
        public var state: String
        /// Bytes the hub holds (the file's size when complete; 0 when absent or unknown).
        public var held: Int64

        public init(sha256: String, state: String, held: Int64) {
            self.sha256 = sha256
            self.state = state
            self.held = held
        }
    }

    public var files: [Entry]
    /// Longest chunk the hub accepts in an upload frame (Protocol §16.3).
    public var chunkBytes: Int

    public init(files: [Entry], chunkBytes: Int) {
        self.files = files
        self.chunkBytes = chunkBytes
    }

    enum CodingKeys: String, CodingKey {
        case files
        case chunkBytes = "chunk_bytes"
    }
}

/// The answer to `PUT /v1/files/{sha256}?offset=N` (and to a refused one, in the error envelope's
/// stead when the offset is wrong): what the hub holds after it.
public struct FileUploadResponse: Codable, Sendable, Equatable {
    public var sha256: String
    public var held: Int64
    public var complete: Bool

    public init(sha256: String, held: Int64, complete: Bool) {
        self.sha256 = sha256
        self.held = held
        self.complete = complete
    }
}
