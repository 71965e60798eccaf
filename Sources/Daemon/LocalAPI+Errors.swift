import FileStore
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ReformData
import Synchronization
import Replica
import WireProtocol

/// An answer of the local API other than success: status, a stable `code`, and a message that
/// says what is wrong and what to do. Rendered as `{"error":{"code":…,"message":…}}`, the hub's
/// envelope (Protocol §12.1).
struct APIError: Error {
    var status: HTTPResponse.Status
    var code: String
    var message: String
    var headers: HTTPFields = [:]
}

/// The outermost middleware of the local API: every error of every route (and of the router
/// itself: unknown route 404, wrong method 405, body too large 413) leaves as the JSON envelope.
/// Nothing else answers errors, so no route can answer an empty 500.
struct ErrorEnvelopeMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: DeclaredRoutes
    let dataDirectory: String
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let failure = map(error, request: request)
            if failure.status.code >= 500 {
                logger.error("local API \(request.method) \(request.uri.path) answered \(failure.status.code): \(failure.message)")
            }
            var response = LocalAPI.failure(failure.status, failure.code, failure.message)
            response.headers.append(contentsOf: failure.headers)
            return response
        }
    }

    func map(_ error: any Error, request: Request) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as ReformData.RecordError:
            return APIError(status: .unprocessableContent, code: "invalid_record", message: error.description)
        case let error as ReplicaError:
            switch error {
            case .notFound: return APIError(status: .notFound, code: "not_found", message: error.description)
            case .unknownTable, .unknownColumn: return APIError(status: .notFound, code: "unknown_table", message: error.description)
            case .missingRequired: return APIError(status: .unprocessableContent, code: "invalid_record", message: error.description)
            case let .refused(_, _, _, code, _):
                // The hub's own refusal code: who may write is 403, what is written 422.
                let forbidden = ["hub_only", "not_owner", "append_only", "phase_closed", "submitted"].contains(code)
                return APIError(status: forbidden ? .forbidden : .unprocessableContent, code: code, message: error.description)
            default: return APIError(status: .unprocessableContent, code: "refused", message: error.description)
            }
        case let error as DatabaseError:
            return StorageFailure.apiError(error, dataDirectory: dataDirectory)
        case let error as FileStoreError:
            let status: HTTPResponse.Status = switch error.kind {
            case .tooLarge: .contentTooLarge
            case .wrongType: .unsupportedMediaType
            case .overQuota, .empty, .hashMismatch, .badFrame: .unprocessableContent
            case .notFound: .notFound
            case .io: error.message.contains("No space left") ? .insufficientStorage : .internalServerError
            }
            let code = error.kind != .io ? error.code : status == .insufficientStorage ? "disk_full" : "file_io"
            return APIError(status: status, code: code, message: error.message)
        case is DecodingError:
            return APIError(status: .badRequest, code: "bad_json", message: "the body is not valid JSON")
        case let error as Gzip.Failure:
            if case .tooLarge = error {
                return APIError(status: .contentTooLarge, code: "body_too_large", message: "the body \(error)")
            }
            return APIError(status: .badRequest, code: "bad_request", message: "the body: \(error)")
        case is NIOTooManyBytesError:
            return APIError(status: .contentTooLarge, code: "body_too_large",
                            message: "the body is larger than \(LocalAPI.maxBodyBytes) bytes: send fewer records per request")
        case let error as HTTPError:
            switch error.status {
            case .notFound:
                let allowed = routes.methods(forPath: request.uri.path)
                if !allowed.isEmpty {
                    return APIError(status: .methodNotAllowed, code: "method_not_allowed",
                                    message: "\(request.uri.path) does not take \(request.method); it takes \(allowed.joined(separator: ", "))",
                                    headers: [.allow: allowed.joined(separator: ", ")])
                }
                return APIError(status: .notFound, code: "not_found",
                                message: "no route \(request.method) \(request.uri.path.prefix(200)); the API has \(routes.summary)")
            case .contentTooLarge:
                return APIError(status: .contentTooLarge, code: "body_too_large",
                                message: "the body is larger than \(LocalAPI.maxBodyBytes) bytes: send fewer records per request")
            default:
                return APIError(status: error.status, code: error.status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_"),
                                message: error.body ?? error.status.reasonPhrase)
            }
        default:
            return APIError(status: .internalServerError, code: "internal_error",
                            message: "the daemon failed on this request: \(error); see its log")
        }
    }
}

/// The routes of the router, filled in once they are declared: answers 405 rather than 404 for a
/// known path asked with another method, and names the routes in a 404.
final class DeclaredRoutes: Sendable {
    private let routes = Mutex<[(method: String, pattern: [String])]>([])

    init() {}

    func fill(_ declared: [(method: String, path: String)]) {
        routes.withLock { $0 = declared.map { ($0.method, $0.path.split(separator: "/").map(String.init)) } }
    }

    private var table: [(method: String, pattern: [String])] { routes.withLock { $0 } }

    func methods(forPath path: String) -> [String] {
        let parts = path.split(separator: "/").map(String.init)
        return table.filter { route in
            route.pattern.count == parts.count && zip(route.pattern, parts).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
        }.map(\.method).sorted()
    }

    var summary: String {
        table.map { "\($0.method) /\($0.pattern.joined(separator: "/"))" }.joined(separator: ", ")
    }
}

/// SQLite failures that are the disk's or the file system's, not the request's: answered so the
/// office knows nothing was stored and what the district IT officer must fix.
enum StorageFailure {
    static func apiError(_ error: DatabaseError, dataDirectory: String) -> APIError {
        let detail = error.message ?? "\(error.resultCode)"
        switch error.resultCode {
        case .SQLITE_FULL:
            return APIError(status: .insufficientStorage, code: "disk_full",
                            message: "the disk is full: the replica in \(dataDirectory) cannot grow (\(detail)); nothing of this request was stored, "
                                + "everything stored before is intact. Free space on that file system (or move data_dir), then retry.")
        case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_IOERR, .SQLITE_PERM:
            return APIError(status: .serviceUnavailable, code: "replica_unwritable",
                            message: "the replica in \(dataDirectory) cannot be written (\(detail)); nothing of this request was stored. "
                                + "Check that the file system is mounted read-write and healthy and that the daemon's user owns \(dataDirectory), "
                                + "then retry (restart the daemon if the disk was remounted).")
        default:
            return APIError(status: .internalServerError, code: "storage_error",
                            message: "the replica in \(dataDirectory) failed: \(detail); run `reformsync check` and see the daemon's log")
        }
    }
}
