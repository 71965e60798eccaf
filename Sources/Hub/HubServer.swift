import CompressNIO
import FileStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ReformData
import Replica
import WireProtocol

/// The hub's HTTP face (Hummingbird 2): the routes of protocol v1 in three guarded groups, the
/// error envelope, body limits, gzip, request metrics.
///
/// Every route sits in a group whose guard is declared here (Protocol/README.md §7.3):
/// - anonymous: `GET /v1/health` only (liveness);
/// - node (``NodeGuard``): `POST /v1/handshake`, `POST /v1/push`, `GET /v1/pull`, and the
///   evidence-file routes `POST /v1/files/status`, `PUT /v1/files/{sha256}`, `GET /v1/files/{sha256}` (§16),
///   and the bootstrap snapshot `GET /v1/snapshot`, `GET /v1/snapshot/{id}` (§19.3);
/// - operator (``OperatorGuard``): `GET /metrics`, `GET /files/{sha256}` (any unit's evidence), and
///   what `operatorRoutes` adds (the dashboard);
/// - office: what `officeRoutes` adds under `/app` (the appraisers' app: session, role and CSRF guards).
/// The returned ``HubRouter/routes`` lists each route with its group; a test probes every one.
public enum HubServer {
    /// Builds the application; `onListening` receives the bound port (useful with port 0).
    /// - Parameter routes: adds more operator routes (the dashboard) to the operator group.
    public static func application(service: HubService, host: String, port: Int, logger: Logger,
                                   onListening: @escaping @Sendable (Int) async -> Void = { _ in },
                                   routes: (RouterGroup<HubRequestContext>) -> Void = { _ in },
                                   officeRoutes: (RouterGroup<HubRequestContext>) -> Void = { _ in }) -> some ApplicationProtocol {
        let built = router(service: service, logger: logger, operatorRoutes: routes, officeRoutes: officeRoutes)
        return Application(router: built.router,
                    configuration: .init(address: .hostname(host, port: port), serverName: "reformsync-hub"),
                    onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
                    logger: logger)
    }

    /// The router with its three groups, and the table of its routes by group.
    public static func router(service: HubService, logger: Logger,
                              operatorRoutes: (RouterGroup<HubRequestContext>) -> Void = { _ in },
                              officeRoutes: (RouterGroup<HubRequestContext>) -> Void = { _ in }) -> HubRouter {
        let router = Router(context: HubRequestContext.self)
        let catalog = RouteCatalog()
        // Outermost first: the request counter sees the status the error envelope ends with.
        router.add(middleware: HubMetricsMiddleware(metrics: service.metrics))
        router.add(middleware: HubErrorMiddleware(catalog: catalog, metrics: service.metrics, logger: logger))
        let limit = service.settings.maxBodyBytes
        var table: [HubRoute] = []
        /// Routes added since the last call belong to `audience`.
        func declare(_ audience: RouteAudience) {
            let known = Set(table.map { "\($0.method) \($0.path)" })
            for route in router.routes where !known.contains("\(route.method.rawValue) \(route.path.description)") {
                table.append(HubRoute(method: route.method.rawValue, path: route.path.description, audience: audience))
            }
        }

        // Anonymous: liveness only. Nothing else may ever be added here.
        let anonymous = router.group()
        anonymous.get("v1/health") { _, _ -> Response in
            let version = try await service.replica.writer.read { db in try service.replica.version(db) }
            let body = try WireJSON.encode(["status": JSONValue.string("ok"), "hub_version": .integer(version), "unit": .string(service.replica.unit)])
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        declare(.anonymous)

        // Node tokens: the sync protocol; the guard puts the token's unit into the context.
        let nodes = router.group().add(middleware: NodeGuard(tokens: service.tokens))
        // Every protocol request runs in an admission slot, fairly between units (§18.1); a
        // long-poll pull holds one only while it reads.
        nodes.post("v1/handshake") { request, context -> Response in
            let unit = try context.nodeUnit()
            let (answer, waited) = try await service.admission.run(unit: unit) {
                let body = try await readBody(request, limit: limit)
                let message = try WireJSON.decode(HandshakeRequest.self, from: body, what: "handshake")
                return try await service.handshake(message, unit: unit)
            }
            service.metrics.queueWait(waited)
            return try encode(answer, status: .ok, request: request)
        }
        nodes.post("v1/push") { request, context -> Response in
            let unit = try context.nodeUnit()
            let query = request.uri.queryParameters
            let agreed = try RoundQuery.agreed(query)
            let pullCursor = try RoundQuery.pullCursor(query, prefix: "pull_")
            let pullLimit = try RoundQuery.number(query, "pull_limit", default: Int64(service.settings.maxBatchChanges))
            let nodeSchema = try RoundQuery.nodeSchema(query)
            let (answer, waited) = try await service.admission.run(unit: unit) { () async throws -> OutgoingPushPull in
                try service.recheck(epoch: agreed.epoch, schema: agreed.schema)
                let body = try await readBody(request, limit: limit)
                let message = try WireJSON.read(ReceivedPush.self, from: body, what: "push")
                let pushed = try await service.push(message, unit: unit)
                // The push's pull request (§18.2): the first page, read after the merge, in the same slot.
                guard let pullCursor else { return OutgoingPushPull(push: pushed, pull: nil) }
                let page = try await service.readPage(unit: unit, site: message.changes.source?.site, cursor: pullCursor,
                                                      limit: Int(clamping: pullLimit), schema: nodeSchema)
                return OutgoingPushPull(push: pushed, pull: page)
            }
            service.metrics.queueWait(waited)
            // A push without a pull request is answered exactly as before (PushResponse).
            if answer.pull == nil { return try encode(answer.push, status: .ok, request: request) }
            return try encode(answer, status: .ok, request: request)
        }
        nodes.get("v1/pull") { request, context -> Response in
            let unit = try context.nodeUnit()
            let query = request.uri.queryParameters
            let agreed = try RoundQuery.agreed(query)
            try service.recheck(epoch: agreed.epoch, schema: agreed.schema)
            let cursor = try RoundQuery.pullCursor(query, prefix: "") ?? ChangeCursor(baseline: 0, position: 0)
            let limit = try RoundQuery.number(query, "limit", default: Int64(service.settings.maxBatchChanges))
            let wait = try RoundQuery.wait(query)
            let schema = try RoundQuery.nodeSchema(query)
            let page = try await service.pull(unit: unit, site: query["site"].map(String.init), cursor: cursor,
                                              limit: Int(clamping: limit), schema: schema, wait: wait.map { .seconds($0) })
            return try encode(page, status: .ok, request: request)
        }
        // Evidence files (Protocol §16): after the rows, in their own requests.
        nodes.post("v1/files/status") { request, context -> Response in
            let unit = try context.nodeUnit()
            let body = try await readBody(request, limit: limit)
            let message = try WireJSON.decode(FileStatusRequest.self, from: body, what: "files status")
            return try encode(try service.files.status(message, unit: unit), status: .ok, request: request)
        }
        nodes.put("v1/files/:sha256") { request, context -> Response in
            let unit = try context.nodeUnit()
            let hash = try context.parameters.require("sha256")
            guard let text = request.uri.queryParameters["offset"], let offset = Int64(String(text)), offset >= 0 else {
                let got = request.uri.queryParameters["offset"].map { ", got offset=\($0.prefix(40))" } ?? ""
                throw HubError.badRequest("PUT /v1/files/{sha256} needs ?offset=N, a whole number ≥ 0: the bytes the hub already holds (POST /v1/files/status)\(got)")
            }
            let answer = try await service.files.receive(hash, unit: unit, offset: offset, body: request.body)
            return try encode(answer, status: .ok, request: request)
        }
        nodes.get("v1/files/:sha256") { request, context -> Response in
            let unit = try context.nodeUnit()
            let file = try service.files.openable(try context.parameters.require("sha256"), unit: unit)
            return try fileResponse(file, request: request, attachment: false)
        }
        // Bootstrap (Protocol §19.3): the manifest, then the file, resumable by Range.
        nodes.get("v1/snapshot") { request, context -> Response in
            try encode(try await service.snapshot(unit: try context.nodeUnit()), status: .ok, request: request)
        }
        nodes.get("v1/snapshot/:id") { request, context -> Response in
            let unit = try context.nodeUnit()
            let part = try service.snapshotBytes(id: context.parameters.get("id") ?? "", unit: unit,
                                                 range: request.headers[HTTPField.Name("Range")!])
            var headers: HTTPFields = [.contentType: "application/gzip", HTTPField.Name("Accept-Ranges")!: "bytes"]
            if part.partial {
                headers[HTTPField.Name("Content-Range")!] = "bytes \(part.first)-\(part.first + part.bytes.count - 1)/\(part.total)"
            }
            return Response(status: part.partial ? .partialContent : .ok, headers: headers,
                            body: .init(byteBuffer: ByteBuffer(bytes: part.bytes)))
        }
        declare(.node)

        // Operator tokens: the province's figures and the hub's metrics.
        let operators = router.group().add(middleware: OperatorGuard(tokens: service.tokens))
        operators.get("metrics") { _, _ -> Response in
            let text = service.metrics.render(nodes: try await service.nodes.nodes(), load: service.admission.figures)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: text)))
        }
        operators.get("files/:sha256") { request, context -> Response in
            let file = try service.files.openable(try context.parameters.require("sha256"), unit: nil)
            return try fileResponse(file, request: request, attachment: true)
        }
        operatorRoutes(operators)
        declare(.operator)

        // Office sessions: the appraisers' app under /app (its own Host allow-list, login and role guards).
        officeRoutes(router.group("app"))
        declare(.office)

        // Anything registered after the groups sits outside them: it is listed as anonymous, which
        // the route-table test refuses for everything but /v1/health.
        declare(.anonymous)
        catalog.fill(table)
        return HubRouter(router: router, routes: table)
    }

    /// A stored file, streamed 64 KiB at a time (whole, or the one range asked), with its type and,
    /// for operators, its name as a download (RFC 6266 / RFC 5987 `filename*` for Vietnamese names).
    public static func fileResponse(_ file: (path: String, size: Int64, contentType: String, name: String?), request: Request,
                             attachment: Bool) throws -> Response {
        let range = try HubFiles.range(request.headers[.range], size: file.size)
        let from = range?.from ?? 0, to = range?.to ?? file.size - 1
        var headers: HTTPFields = [.contentType: file.contentType, .acceptRanges: "bytes"]
        if let range { headers[.contentRange] = "bytes \(range.from)-\(range.to)/\(file.size)" }
        if attachment, let name = file.name { headers[.contentDisposition] = ContentDisposition.attachment(name) }
        let path = file.path
        let body = ResponseBody(contentLength: Int(to - from + 1)) { writer in
            let source = try PosixFile.reading(path)
            var position = from
            while position <= to {
                let bytes = try source.read(at: position, count: Int(min(Int64(FileStore.chunkBytes), to - position + 1)))
                if bytes.isEmpty { break }
                try await writer.write(ByteBuffer(bytes: bytes))
                position += Int64(bytes.count)
            }
            try await writer.finish(nil)
        }
        return Response(status: range == nil ? .ok : .partialContent, headers: headers, body: body)
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

    /// The envelope of ``HubError`` (Protocol/README.md §12.1), with its challenge or `Allow`.
    static func errorResponse(_ error: HubError, request: Request) -> Response {
        let status = HTTPResponse.Status(code: error.status)
        var response = (try? encode(ErrorResponse(code: error.code, message: error.message), status: status, request: request))
            ?? Response(status: status)
        if let challenge = error.challenge { response.headers[.wwwAuthenticate] = challenge }
        if let allow = error.allow { response.headers[.allow] = allow }
        if let seconds = error.retryAfter { response.headers[.retryAfter] = String(seconds) }
        return response
    }
}

/// The hub's router and the table of its routes, each with the group that guards it.
public struct HubRouter {
    public let router: Router<HubRequestContext>
    public let routes: [HubRoute]
}
