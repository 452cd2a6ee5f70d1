import Testing
@testable import Training

@Suite struct LengthBatcherTests {
    @Test func batchesGroupSimilarLengthsAndCoverEveryExampleOnce() {
        let lengths = [50, 10, 48, 11, 200, 12, 49, 199, 9]
        let batcher = LengthBatcher(lengths: lengths, batchSize: 3, seed: 7)
        // Sorted by length: 9,10,11 | 12,48,49 | 50,199,200
        #expect(batcher.batches == [[8, 1, 3], [5, 2, 6], [0, 7, 4]])
        #expect(batcher.batches.flatMap { $0 }.sorted() == Array(lengths.indices))
    }

    @Test func tokenBudgetCutsBatchesEarly() {
        // 4 × 100 would be 400 padded tokens; the budget of 250 allows two a batch.
        let batcher = LengthBatcher(lengths: [100, 100, 100, 100], batchSize: 4, maxTokens: 250, seed: 0)
        #expect(batcher.batches.map(\.count) == [2, 2])
    }

    @Test func epochOrderIsAPermutationThatDependsOnSeedAndEpochOnly() {
        let lengths = Array(1...40)
        let a = LengthBatcher(lengths: lengths, batchSize: 2, seed: 1)
        let b = LengthBatcher(lengths: lengths, batchSize: 2, seed: 1)
        #expect(a.order(epoch: 3) == b.order(epoch: 3))
        #expect(a.order(epoch: 0).sorted() == Array(0..<20))
        #expect(a.order(epoch: 0) != a.order(epoch: 1))
        #expect(a.order(epoch: 0) != LengthBatcher(lengths: lengths, batchSize: 2, seed: 2).order(epoch: 0))
        // The cursor walks epochs in order: position 20 is the first batch of epoch 1.
        #expect(a.batch(at: 20).epoch == 1)
        #expect(a.batch(at: 20).indices == a.batches[a.order(epoch: 1)[0]])
    }

    @Test func forwardOnlyPassesVisitTheLargestBatchFirst() {
        let lengths = [50, 10, 48, 11, 200, 12, 49, 199, 9]
        let batches = LengthBatcher(lengths: lengths, batchSize: 3, seed: 7).batches
        // Tokens per batch: 30, 109, 449; a smaller last batch (one 300-token sequence, 300)
        // goes after the full batch of 449.
        #expect(LengthBatcher.largestFirst(batches, length: { lengths[$0] }) == [[0, 7, 4], [5, 2, 6], [8, 1, 3]])
        let withShortLast = batches + [[9]]
        let longer = lengths + [300]
        #expect(LengthBatcher.largestFirst(withShortLast, length: { longer[$0] }) == [[0, 7, 4], [9], [5, 2, 6], [8, 1, 3]])
        // Equal sizes keep their order.
        #expect(LengthBatcher.largestFirst([[0], [1], [2]], length: { _ in 5 }) == [[0], [1], [2]])
    }
}
