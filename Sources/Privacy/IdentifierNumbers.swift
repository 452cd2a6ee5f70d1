import Foundation

/// Record, patient, admission and insurance numbers: numbers after an identifier word
/// (ID, MRN, 患者番号, カルテ番号, 入院番号, 保険者番号…), configurable record-number
/// expressions, My Number (12 digits whose check digit holds), US social security and UK
/// NHS numbers, and any run of eight or more digits.
enum IdentifierNumbers {
    /// Record-number shapes used unless the configuration gives others: a 1–4 letter
    /// prefix, a hyphen or none, and five or more digits (MRN-0012345, PT20931845, K-55012).
    static let defaultRecordPatterns = [
        #"\b(?:MRN|PID|PT|HN|ADM|INS|KR|ID)[\-:]?\d{5,}\b"#,
        #"\b[A-Z]{1,4}-\d{5,}(?:-\d+)?\b"#,
    ]

    static let englishWords = #"(?:MRN|M\.R\.N\.|ID|I\.D\.|PID|NHS\s+(?:number|no\.?)|SSN|social\s+security(?:\s+number)?|(?:patient|hospital|record|medical\s+record|chart|case|admission|encounter|visit|insurance|policy|member|subscriber|health\s+insurance|registration|account|identification|ID)\s+(?:ID|number|no\.?|#))"#
    static let japaneseWords = #"(?:患者(?:番号|ID|No\.?|コード)|カルテ(?:番号|No\.?|ID)|診察券(?:番号)?|入院(?:番号|ID)|保険者番号|被保険者(?:証)?(?:番号|記号)|記号番号|保険証(?:番号)?|受給者番号|個人番号|マイナンバー|登録番号|ID番号|整理番号|(?<![A-Za-z])ID(?![A-Za-z]))"#
    /// Digits with optional letters and hyphens; a space joins only groups of 3–4 digits
    /// (1234 5678 9012), so "ID 12345 68歳" keeps the age.
    static let value = #"([A-Z]{0,4}-?\d[\d\-]*\d(?:\s\d{3,4}(?!\d|\.\d|歳))*[A-Z]?)"#

    static let fixed: [Pattern] = [
        Pattern(.id, "(?i:(?<![A-Za-z])\(englishWords))(?![A-Za-z])\\.?[\\s#:=]*(?:is\\s+|was\\s+)?\(value)", group: 1, needs: Pattern.digits),
        Pattern(.id, "\(japaneseWords)[\\s#:：は]*(?:No\\.?\\s*)?\(value)", group: 1, needs: Pattern.digits),  // My Number: 12 digits, grouped 4-4-4 or not, with a valid check digit
        Pattern(.id, #"(?<![\d\-])\d{4}[\s\-]?\d{4}[\s\-]?\d{4}(?![\d\-])"#, needs: Pattern.digits, accept: { text in
            MyNumber.digits(of: text).map(MyNumber.isValid) ?? false
        }),
        Pattern(.id, #"(?i:マイナンバー|個人番号|my\s*number)[\s:：は]*(\d{4}[\s\-]?\d{4}[\s\-]?\d{4})"#, group: 1, needs: Pattern.digits),
        Pattern(.id, #"(?<![\d\-])\d{3}-\d{2}-\d{4}(?![\d\-])"#, needs: Pattern.digits),  // US SSN
        Pattern(.id, #"(?<!\d)(?<!\d\s)\d{3}\s\d{3}\s\d{4}(?!\d)"#, needs: Pattern.digits),  // NHS number
        Pattern(.id, #"(?<![\d.,\-])\d{8,}(?![\d.,])"#, needs: Pattern.digits),  // long digit runs
    ]
}
