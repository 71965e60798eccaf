import CRDT

/// The replicated value type, named apart from ArgumentParser's symbols.
typealias CRDTValue = CRDT.Value
typealias CRDTChange = CRDT.Change
typealias SiteIDType = CRDT.SiteID
