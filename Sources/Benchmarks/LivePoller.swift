import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Long-poll pulls for a thousand simulated nodes at once, for `reformsync bench hub`'s idle
/// phase. The daemon's client runs each transfer on its own thread — right for one node, but one
/// process simulating 1,000 nodes cannot hold 1,000 such threads (libdispatch stops at 255) — so
/// the bench holds its long polls through one URLSession (libcurl's multi interface): the same
/// requests (`GET /v1/pull?…&hub_epoch=…&schema=…&wait=…`, Protocol/README.md §18.3) as the node.
final class LivePoller: Sendable {
    let session: URLSession

    init(connections: Int) {
        let configuration = URLSessionConfiguration.default
        configuration.httpMaximumConnectionsPerHost = max(1, connections)
        configuration.timeoutIntervalForRequest = 120
        configuration.timeoutIntervalForResource = 120
        session = URLSession(configuration: configuration)
    }

    /// Long polls for `node` until cancelled, from its pull cursor; `seen` is told when a page
    /// with changes arrives.
    func poll(_ node: HubFleet.Node, hubURL: String, wait: Int, seen: SeenTimes) async {
        guard var cursor = try? node.replica.cursor("pull"), let epoch = try? node.replica.meta("hub_epoch") else { return }
        while !Task.isCancelled {
            let path = "/v1/pull?site=\(node.replica.site.rawValue)&baseline=\(cursor.baseline)&position=\(cursor.position)&limit=2000"
                + "&hub_epoch=\(epoch)&schema=\(node.replica.schema.version)&wait=\(wait)"
            var request = URLRequest(url: URL(string: hubURL + path)!)
            request.setValue("Bearer \(node.token)", forHTTPHeaderField: "Authorization")
            do {
                let (data, response) = try await session.data(for: request)
                guard (response as? HTTPURLResponse)?.statusCode == 200,
                      let page = try JSONSerialization.jsonObject(with: data) as? [String: Any],
                      let changes = page["changes"] as? [String: Any], let rows = changes["rows"] as? [Any],
                      let next = page["next"] as? [String: Any],
                      let baseline = (next["baseline"] as? NSNumber)?.int64Value, let position = (next["position"] as? NSNumber)?.int64Value else {
                    try? await Task.sleep(for: .seconds(1))
                    continue
                }
                if !rows.isEmpty { seen.record(node.unit) }
                cursor = .init(baseline: baseline, position: position)
            } catch {
                if Task.isCancelled { return }
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
