import CRDT

/// A deterministic generator (SplitMix64) so a failing property run can be replayed from its seed.
public typealias SeededRandom = SplitMix64
