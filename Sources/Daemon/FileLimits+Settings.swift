import FileStore
import ReformsyncConfig

extension FileLimits {
    /// The limits the `files.*` settings give, as `files add`, the local API and the unit's app
    /// all check them when a file is attached.
    public init(settings: FileSettings) {
        self.init(maxFileBytes: Int64(settings.maxFileBytes),
                  allowedKinds: EvidenceKind.allCases.filter { kind in settings.allowedTypes.contains { EvidenceKind(configName: $0) == kind } },
                  quotaBytesPerYear: Int64(settings.quotaBytesPerYear))
    }
}
