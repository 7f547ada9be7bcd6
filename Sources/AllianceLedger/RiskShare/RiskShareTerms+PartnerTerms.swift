extension RiskShareTerms {
    /// Each partner's terms, in slug order: its gain share and cap and its pain share and cap,
    /// a partner named on only one side having no share of the other.
    var partnerTerms: [RiskShareTerm] {
        let gain = Dictionary(uniqueKeysWithValues: self.gain.map { ($0.partner, $0) })
        let pain = Dictionary(uniqueKeysWithValues: self.pain.map { ($0.partner, $0) })
        return Set(gain.keys).union(pain.keys).sorted().map { slug in
            RiskShareTerm(
                partner: slug, gainShare: gain[slug]?.share ?? 0, painShare: pain[slug]?.share ?? 0,
                gainCap: gain[slug]?.cap, painCap: pain[slug]?.cap)
        }
    }
}
