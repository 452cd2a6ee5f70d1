import Foundation
import Llama

// The two model-facing pieces of a PPO iteration: building the rollout (scores, old and
// reference log-probs, old values) and one minibatch update. Response token k of sequence b
// (prompt length P) is predicted at position P − 1 + k: its log-prob is read there, and its
// value V_k is the value head on the hidden state there (TRL reads values on
// query_response[:, context_length − 1 : −1] the same way).

extension PPOTrainer {
    /// Row-major (B, T) layout of per-token response quantities, T = longest response.
    struct ResponseGrid {
        let promptLengths: [Int]
        let lengths: [Int]
        let width: Int

        init(_ sequences: [CompletionSequence]) {
            promptLengths = sequences.map(\.prompt.count)
            lengths = sequences.map(\.completion.count)
            width = lengths.max() ?? 0
        }

        /// (R, T) log-probs of the response tokens of `rows`, 0 in padding.
        func logprobs(_ out: ForwardResult, rows: [Int]) -> [Double] {
            var grid = [Double](repeating: 0, count: rows.count * width)
            for (r, b) in rows.enumerated() {
                for k in 0..<lengths[b] { grid[r * width + k] = Double(out.logprobs[r][promptLengths[b] - 1 + k]) }
            }
            return grid
        }

        /// Packed hidden rows of every response token of `rows`, and where each goes in (R, T).
        func hiddenRows(rows: [Int], packing: PackedRows) -> (packed: [Int], grid: [Int]) {
            var packed: [Int] = [], grid: [Int] = []
            for (r, b) in rows.enumerated() {
                for k in 0..<lengths[b] {
                    packed.append(packing.row(r, promptLengths[b] - 1 + k))
                    grid.append(r * width + k)
                }
            }
            return (packed, grid)
        }
    }

    /// Rollouts of one prompt compute it once, of different prompts their common system turn.
    static func batch(_ sequences: [CompletionSequence], rows: [Int]) throws -> TokenBatch {
        let promptLengths = rows.map { sequences[$0].prompt.count }
        return try TokenBatch(ids: rows.map { sequences[$0].prompt + sequences[$0].completion }, promptLengths: promptLengths)
            .sharingPrompts(promptLengths).sharingCommonPrefixes()
    }

    static func makeRollout(
        sequences: [CompletionSequence], ended: [Bool], snapshot: PolicySnapshot, valueHead: ScalarHead, score: Score
    ) throws -> PPO.Rollout<Double> {
        let grid = ResponseGrid(sequences)
        let all = Array(sequences.indices)
        let tokens = try batch(sequences, rows: all)
        let out = try snapshot.policy.forward(tokens, computeHidden: true, training: false, forBackward: false)
        let logprobs = grid.logprobs(out, rows: all)
        let (packed, cells) = grid.hiddenRows(rows: all, packing: out.rows)
        var values = [Double](repeating: 0, count: sequences.count * grid.width)
        for (v, cell) in zip(valueHead.forward(hidden: out.hidden ?? [], rows: packed), cells) { values[cell] = v }
        let reference = grid.logprobs(try snapshot.referenceForward(tokens), rows: all)
        let scores = try score(sequences)
        return PPO.Rollout(batch: sequences.count, tokens: grid.width, lengths: grid.lengths, logprobs: logprobs,
                           refLogprobs: reference, values: values, scores: scores, endsWithEOS: ended)
    }

    /// One optimizer step on the minibatch `rows`; returns the PPO loss figures.
    static func minibatchStep(
        rows: [Int], sequences: [CompletionSequence], prepared: PPO.Prepared, policy: LlamaModel,
        valueHead: ScalarHead, groups: ParameterGroups, parameters p: Parameters
    ) throws -> PPO.LossResult<Double> {
        let grid = ResponseGrid(sequences)
        let tokens = try batch(sequences, rows: rows)
        policy.zeroGrad()
        valueHead.gradients.zero()
        // No dropout: the ratio must compare the same function (TRL disables dropout for PPO).
        let out = try policy.forward(tokens, computeHidden: true, training: false)
        let hidden = out.hidden ?? []
        let (packed, cells) = grid.hiddenRows(rows: rows, packing: out.rows)
        var newValues = [Double](repeating: 0, count: rows.count * grid.width)
        for (v, cell) in zip(valueHead.forward(hidden: hidden, rows: packed), cells) { newValues[cell] = v }
        let loss = try PPO.loss(prepared, rows: rows, newLogprobs: grid.logprobs(out, rows: rows), newValues: newValues,
                                parameters: p.ppo)
        // d loss / d values → value head (and d hidden); d loss / d log-probs → the LM head.
        let dHidden = valueHead.backward(dRewards: cells.map { loss.gradNewValues[$0] }, hidden: hidden, rows: packed)
        var dLogprobs = tokens.lengths.map { [Float](repeating: 0, count: $0) }
        for (r, b) in rows.enumerated() {
            for k in 0..<grid.lengths[b] { dLogprobs[r][grid.promptLengths[b] - 1 + k] = Float(loss.gradNewLogprobs[r * grid.width + k]) }
        }
        try policy.backward(dLogprobs: dLogprobs, dHidden: dHidden)
        let norm = groups.clip(maxNorm: p.maxGradNorm)
        guard norm.isFinite else { throw TrainingError.nonFiniteGradient(step: groups.step + 1) }
        groups.update(lr: p.learningRate)
        return loss
    }
}
