/// Japan's My Number (個人番号): 12 digits, the last a check digit (mod 11 over the first
/// 11 digits with weights 6,5,4,3,2,7,6,5,4,3,2, read from the right).
enum MyNumber {
    static func isValid(_ digits: [Int]) -> Bool {
        guard digits.count == 12 else { return false }
        var sum = 0
        for n in 1...11 {
            let p = digits[11 - n]
            let q = n <= 6 ? n + 1 : n - 5
            sum += p * q
        }
        let remainder = sum % 11
        let check = remainder <= 1 ? 0 : 11 - remainder
        return check == digits[11]
    }

    /// The digits of `text` when it is 12 digits, optionally grouped 4-4-4 by spaces or hyphens.
    static func digits(of text: String) -> [Int]? {
        let digits = text.compactMap(\.wholeNumberValue)
        let separators = text.filter { $0 == " " || $0 == "-" }.count
        guard digits.count == 12, digits.count + separators == text.count else { return nil }
        return digits
    }
}
