import Hummingbird

/// Wakes the long polls after a write made inside the hub's process by a route other than the
/// sync protocol's — the appraisers' app saving an appraisal, setting a season, publishing
/// (Protocol/README.md §18.3).
///
/// Pushes wake the polls themselves, and the hub's watcher sees other processes' commits, but a
/// write through the hub's own connection is neither: SQLite's `data_version` does not change for
/// it. So around every request that may write (not GET or HEAD), the middleware notes the
/// replica's version, and afterwards wakes the units that may read the rows changed since (their
/// audience; a push that landed meanwhile only wakes its readers once more).
public struct HubLiveWakeMiddleware<Context: RequestContext>: RouterMiddleware {
    let service: HubService

    public init(service: HubService) { self.service = service }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method != .get && request.method != .head else { return try await next(request, context) }
        let replica = service.replica
        let before = try await replica.writer.read { db in try replica.version(db) }
        let response = try await next(request, context)
        let after = try await replica.writer.read { db in try replica.version(db) }
        if after > before { service.wakeLivePulls(await service.audience(ofRowsAfter: before)) }
        return response
    }
}
