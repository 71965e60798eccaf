import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Files root creates for the service user: owner and mode set so the service can write them.
///
/// Why: the units run as the dedicated user `reformsync`; a replica that root creates with the
/// default umask (root-owned, 0644) is one the service cannot write. When root writes into a
/// folder another user owns (`/var/lib/reformsync` owned by `reformsync`), the files are handed to
/// that folder's owner, 0640 (secrets 0600), README "Installing".
struct ServiceOwner {
    var uid: uid_t
    var gid: gid_t
    var name: String

    /// The account `name` (e.g. `reformsync`, created by the package's sysusers.d file), or an error
    /// saying how to create it.
    static func named(_ name: String) throws -> ServiceOwner {
        guard let entry = getpwnam(name) else {
            throw ReportableError.failure(
                "the service user \"\(name)\" does not exist: install the reformsync package (it creates the user through "
                    + "/usr/lib/sysusers.d/reformsync.conf), or run `systemd-sysusers`, or pass --user NAME")
        }
        return ServiceOwner(uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid, name: name)
    }

    /// The owner of `folder` when this process runs as root and the folder belongs to someone else:
    /// files created there must be handed over. Nil otherwise (nothing to do).
    static func of(folder: String) -> ServiceOwner? {
        guard geteuid() == 0 else { return nil }
        var info = stat()
        guard stat(folder, &info) == 0, info.st_uid != 0 else { return nil }
        let name = getpwuid(info.st_uid).flatMap { $0.pointee.pw_name.map { String(cString: $0) } } ?? "uid \(info.st_uid)"
        return ServiceOwner(uid: info.st_uid, gid: info.st_gid, name: name)
    }

    /// Gives `path` to this owner with `mode`; a missing path is skipped (SQLite's -wal/-shm come and go).
    func hand(_ path: String, mode: mode_t) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        guard chown(path, uid, gid) == 0 else {
            throw ReportableError.failure("cannot give \(path) to \(name): \(String(cString: strerror(errno))) (run as root)")
        }
        guard chmod(path, mode) == 0 else {
            throw ReportableError.failure("cannot set mode \(String(mode, radix: 8)) on \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// A replica and its companions (0640), the folder (0750) and the local API token (0600).
    func handReplica(dataDirectory: String, replicaPath: String, apiToken: String?) throws {
        try hand(dataDirectory, mode: 0o750)
        for path in [replicaPath, replicaPath + "-wal", replicaPath + "-shm"] { try hand(path, mode: 0o640) }
        if let apiToken { try hand(apiToken, mode: 0o600) }
    }
}
