import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether this process may write a replica file and its folder, checked before SQLite opens it.
///
/// Why: SQLite opens a file it cannot write read-only and fails only at the first write with
/// "attempt to write a readonly database", naming neither the file nor the cause. The usual cause
/// is `reformsync init` run as root, leaving a root-owned 0644 replica the service user
/// `reformsync` cannot write. This check names the file, its owner and mode, and the command that
/// fixes it (README "Installing").
enum ReplicaFileAccess {
    /// Throws `ReplicaError.notWritable` when `path`, its `-wal`/`-shm` companions or its folder
    /// cannot be written by this process.
    static func requireWritable(_ path: String) throws(ReplicaError) {
        let folder = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        for candidate in [path, path + "-wal", path + "-shm", folder] {
            var info = stat()
            guard stat(candidate, &info) == 0 else { continue }  // -wal/-shm appear later
            if access(candidate, W_OK) != 0 {
                throw .notWritable(path: candidate, detail: describe(candidate, info), fix: fix(folder))
            }
        }
    }

    /// "owned by root:root, mode 0644; this process runs as reformsync"
    static func describe(_ path: String, _ info: stat) -> String {
        let mode = String(info.st_mode & 0o7777, radix: 8)
        return "owned by \(userName(info.st_uid)):\(groupName(info.st_gid)), mode 0\(mode); this process runs as \(userName(geteuid()))"
    }

    /// The command that gives the replica's folder back to the user who must write it.
    static func fix(_ folder: String) -> String {
        let me = userName(geteuid())
        return "as root run `chown -R \(me): \(folder)` (the service user must own the folder and its files), then start again"
    }

    static func userName(_ uid: uid_t) -> String {
        guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return "uid \(uid)" }
        return String(cString: name)
    }

    static func groupName(_ gid: gid_t) -> String {
        guard let entry = getgrgid(gid), let name = entry.pointee.gr_name else { return "gid \(gid)" }
        return String(cString: name)
    }
}
