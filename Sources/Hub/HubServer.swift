import CompressNIO
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ReformData
import Replica
import WireProtocol

/// The hub's HTTP face (Hummingbird 2): routes of protocol v1, authentication, body limits, gzip.
public enum HubServer {
    /// Builds the application; `onListening` receives the bound port (useful with port 0).
    /// - Parameter routes: adds more routes (the dashboard) to the router.
    public static func application(service: HubService, host: String, port: Int, logger: Logger,
                                   onListening: @escaping @Sendable (Int) async -> Void = { _ in },
                                   routes: (Router<BasicRequestContext>) -> Void = { _ in }) -> some ApplicationProtocol {
        let router = router(service: service, logger: logger)
        routes(router)
        return Application(router: router,
                    configuration: .init(address: .hostname(host, port: port), serverName: "reformsync-hub"),
                    onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
                    logger: logger)
    }

    static func router(service: HubService, logger: Logger) -> Router<BasicRequestContext> {
        let router = Router()
        let limit = service.settings.maxBodyBytes

        router.get("v1/health") { _, _ -> Response in
            let version = try await service.replica.writer.read { db in try Int64.fetchOne(db, sql: "SELECT version FROM _rs_state") ?? 0 }
            let body = try WireJSON.encode(["status": JSONValue.string("ok"), "hub_version": .integer(version), "unit": .string(service.replica.unit)])
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }

        router.post("v1/handshake") { request, _ -> Response in
            try await respond(request, logger: logger) {
                let unit = try service.authenticate(authorization: request.headers[.authorization])
                let body = try await readBody(request, limit: limit)
                let message = try WireJSON.decode(HandshakeRequest.self, from: body, what: "handshake")
                return try await service.handshake(message, unit: unit)
            }
        }

        router.post("v1/push") { request, _ -> Response in
            try await respond(request, logger: logger) {
                let unit = try service.authenticate(authorization: request.headers[.authorization])
                let body = try await readBody(request, limit: limit)
                let message = try WireJSON.read(ReceivedPush.self, from: body, what: "push")
                return try await service.push(message, unit: unit)
            }
        }

        router.get("v1/pull") { request, _ -> Response in
            try await respond(request, logger: logger) {
                let unit = try service.authenticate(authorization: request.headers[.authorization])
                let query = request.uri.queryParameters
                func number(_ name: String, default value: Int64) throws -> Int64 {
                    guard let text = query[Substring(name)] else { return value }
                    guard let number = Int64(String(text)), number >= 0 else { throw HubError.badRequest("query parameter \(name)=\(text) is not a version number") }
                    return number
                }
                let baseline = try number("baseline", default: 0)
                let position = try number("position", default: baseline)
                let limit = try number("limit", default: Int64(service.settings.maxBatchChanges))
                return try await service.pull(unit: unit, site: query["site"].map(String.init),
                                              cursor: ChangeCursor(baseline: baseline, position: position), limit: Int(limit))
            }
        }
        return router
    }

    /// Runs a handler and turns its result or error into a JSON response (gzip when asked).
    static func respond<T: Encodable>(_ request: Request, logger: Logger, _ body: () async throws -> T) async throws -> Response {
        do {
            let value = try await body()
            return try encode(value, status: .ok, request: request)
        } catch let error as HubError {
            return errorResponse(error, request: request)
        } catch let error as WireError {
            return errorResponse(.badRequest(error.message), request: request)
        } catch {
            logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return errorResponse(HubError(status: 500, code: "internal", message: "the hub failed to handle the request; its log has details"), request: request)
        }
    }

    /// Reads the body up to `limit` bytes, decompressing gzip (also up to `limit`).
    static func readBody(_ request: Request, limit: Int) async throws -> [UInt8] {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit { throw HubError.tooLarge(limit) }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw HubError.tooLarge(limit)
        }
        let bytes = Array(buffer.readableBytesView)
        guard let encoding = request.headers[.contentEncoding]?.lowercased(), encoding != "identity" else { return bytes }
        guard encoding == "gzip" else {
            throw HubError(status: 415, code: "unsupported_encoding", message: "Content-Encoding \(encoding) is not supported; use gzip")
        }
        do {
            return try Gzip.decompress(bytes, limit: limit)
        } catch .tooLarge {
            throw HubError.tooLarge(limit)
        } catch {
            throw HubError.badRequest("\(error)")
        }
    }

    static func encode<T: Encodable>(_ value: T, status: HTTPResponse.Status, request: Request) throws -> Response {
        var bytes = try WireJSON.encode(value)
        var headers: HTTPFields = [.contentType: "application/json"]
        if bytes.count > 1024, request.headers[.acceptEncoding]?.contains("gzip") == true {
            bytes = try Gzip.compress(bytes)
            headers[.contentEncoding] = "gzip"
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func errorResponse(_ error: HubError, request: Request) -> Response {
        let status = HTTPResponse.Status(code: error.status)
        return (try? encode(ErrorResponse(code: error.code, message: error.message), status: status, request: request))
            ?? Response(status: status)
    }
}
