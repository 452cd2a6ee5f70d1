import ArgumentParser
import Generation

/// The sampling defaults of a command that samples answers.
protocol SamplingDefaults {
    static var sampling: SamplingParameters { get }
}

/// `rounds generate`: the library's defaults (temperature 0.7, no top-k / top-p, 256 tokens).
enum FreeSampling: SamplingDefaults {
    static var sampling: SamplingParameters { SamplingParameters() }
}

/// `rounds sample-answers`: answers for review, nucleus sampling at 0.9.
enum ReviewSampling: SamplingDefaults {
    static var sampling: SamplingParameters { SamplingParameters(topP: 0.9) }
}

/// `rounds eval-sft`: the main job's sampling (top-p 0.9, 128 tokens).
enum MainJobSampling: SamplingDefaults {
    static var sampling: SamplingParameters { SamplingParameters(topP: 0.9, maxNewTokens: 128) }
}

/// Temperature, top-k, top-p, answer length and seed, shared by the commands that sample.
struct SamplingOptions<Defaults: SamplingDefaults>: ParsableArguments {
    @Option(help: "Sampling temperature; 0 picks the most likely token (greedy).") var temperature = Defaults.sampling.temperature
    @Option(help: "Keep only the k most likely tokens (0 = off).") var topK = Defaults.sampling.topK
    @Option(help: "Keep the most likely tokens up to this probability mass (1 = off).") var topP = Defaults.sampling.topP
    @Option(help: "Most new tokens per answer.") var maxTokens = Defaults.sampling.maxNewTokens
    @Option(help: "Random seed; the same seed, prompts and model give the same answers.") var seed = Defaults.sampling.seed

    func parameters(stopAtEndOfTurn: Bool = true) -> SamplingParameters {
        SamplingParameters(temperature: temperature, topK: topK, topP: topP, maxNewTokens: maxTokens, stopAtEndOfTurn: stopAtEndOfTurn, seed: seed)
    }

    func validate() throws {
        do { try parameters().validate() } catch { throw ValidationError(error.localizedDescription) }
    }
}
