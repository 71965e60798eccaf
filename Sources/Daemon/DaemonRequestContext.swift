import Hummingbird
import NIOCore

/// The request context of the daemon's HTTP server: Hummingbird's basic one plus the client's
/// address, which the office app's login throttle counts failures by.
public struct DaemonRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
