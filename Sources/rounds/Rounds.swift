import ArgumentParser

@main
struct Rounds: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rounds",
        abstract: "Teach a medical language model what a good answer is, from clinicians' ratings.",
        subcommands: [
            ModelCommand.self,
            Tokenize.self,
            Generate.self,
            Score.self,
            SFTCommand.self,
            DPOCommand.self,
            KTOCommand.self,
            RewardCommand.self,
            PPOCommand.self,
            SampleAnswersCommand.self,
            PolicyCommand.self,
            PromptsCommand.self,
            AnswersCommand.self,
            ReviewerCommand.self,
            ReviewCommand.self,
            SimulateReviewCommand.self,
            QueueCommand.self,
            StatsCommand.self,
            ExportCommand.self,
            NightlyCommand.self,
            DoctorCommand.self,
            ScrubCommand.self,
            EvalSFTCommand.self,
            GoldCommand.self,
            AuditCommand.self,
            SampleAlias.self,
            SamplesAlias.self,
        ])
}
