/// Exact dates: a day, month and year in ISO, slashed, dotted, English or Japanese form
/// (西暦 and the 令和・平成・昭和・大正 eras, also abbreviated R/H/S); a month and day
/// without a year (3月5日, March 5) in identifier context only (birth, admission, visit,
/// surgery); and a birth month after a birth-date word. A year alone, a month alone, a
/// day and month in running clinical text ("3月5日から発熱") and relative times (3日前,
/// two weeks ago) stay.
enum DatePatterns {
    static let month = #"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"#
    static let era = #"(?:令和|平成|昭和|大正|明治)"#
    static let japaneseMonthDay = #"(?<![\d.])\d{1,2}\s?月\s?\d{1,2}\s?日"#
    static let japaneseEvents = "入院|退院|受診|来院|初診|再診|手術|生まれ|出生|誕生|死亡|予約|面会|転院|紹介受診"
    static let englishMonthDay = "(?:\\b\(month)\\.?\\s+\\d{1,2}(?:st|nd|rd|th)?(?![\\d:])|\\b\\d{1,2}(?:st|nd|rd|th)?\\s+(?:of\\s+)?\(month)\\b\\.?)"
    static let englishContext = "\\bDOB\\b|\\bD\\.O\\.B\\.?|date of birth|birthday|\\bborn(?: on)?|admitted(?: on)?|admission(?: date)?|discharged(?: on)?|seen(?: on)?|surgery(?: booked)?(?: for| on)?|operated on|appointment(?: on| for)?|booked for|visit(?: on)?|died(?: on)?|date of death"

    static let all: [Pattern] = [
        Pattern(.date, #"(?<![\d.])(?:1[89]|20)\d{2}[\-/.](?:0?[1-9]|1[0-2])[\-/.](?:0?[1-9]|[12]\d|3[01])(?![\d])"#, needs: Pattern.digits),
        Pattern(.date, #"(?<![\d/.\-])(?:0?[1-9]|[12]\d|3[01])[/.\-](?:0?[1-9]|[12]\d|3[01])[/.\-](?:(?:1[89]|20)\d{2})(?![\d/\-]|\.\d)"#, needs: Pattern.digits),
        Pattern(.date, #"(?<![\d/.])(?:0?[1-9]|[12]\d|3[01])/(?:0?[1-9]|[12]\d|3[01])/\d{2}(?![\d/]|\.\d)"#, needs: Pattern.digits),
        Pattern(.date, "(?:(?:1[89]|20)\\d{2}|\(era)\\s?(?:\\d{1,2}|元))\\s?年\\s?\\d{1,2}\\s?月\\s?\\d{1,2}\\s?日", needs: Pattern.digits),
        // A birth year and month: 昭和31年3月生まれ, or after 生年月日
        Pattern(.date, "((?:(?:1[89]|20)\\d{2}|\(era)\\s?(?:\\d{1,2}|元))\\s?年\\s?\\d{1,2}\\s?月)(?=\\s?(?:生|出生))", group: 1, needs: Pattern.digits),
        Pattern(.date, "(?:生年月日|誕生日)[\\s:：は]*((?:(?:1[89]|20)\\d{2}|\(era)\\s?(?:\\d{1,2}|元))\\s?年(?:\\s?\\d{1,2}\\s?月)?)", group: 1, needs: Pattern.digits),
        Pattern(.date, #"(?<![A-Za-z\d])[RHST]\s?\d{1,2}[./]\d{1,2}[./]\d{1,2}(?![\d./])"#, needs: Pattern.digits),
        Pattern(.date, "\\b\(month)\\.?\\s+\\d{1,2}(?:st|nd|rd|th)?,?\\s+(?:1[89]|20)\\d{2}(?![\\d:])", needs: Pattern.digits),
        Pattern(.date, "\\b\\d{1,2}(?:st|nd|rd|th)?\\s+(?:of\\s+)?\(month)\\.?,?\\s+(?:1[89]|20)\\d{2}\\b", needs: Pattern.digits),
        // A month and day without a year only in identifier context: 3月5日に入院, 入院日 3月5日,
        // DOB March 14, admitted on 5 May. "3月5日から発熱" and "rash since 4 March" stay.
        Pattern(.date, "(\(japaneseMonthDay))(?=\\s?(?:に|の|から|より)?\\s?(?:\(japaneseEvents)))", group: 1, needs: Pattern.digits),
        Pattern(.date, "(?:\(japaneseEvents)|生年月日|誕生日)日?[\\s:：は]*(\(japaneseMonthDay))", group: 1, needs: Pattern.digits),
        Pattern(.date, "(?i:\(englishContext))[\\s:]*(\(englishMonthDay))", group: 1, needs: Pattern.digits),
        // Birth month and year after a birth-date word: DOB 03/1956, 生年月日 昭和31年3月
        Pattern(.date, #"(?i)(?:\bDOB\b|\bD\.O\.B\.?|date of birth|born(?: on| in)?|生年月日|誕生日)[\s:：は]*((?:0?[1-9]|1[0-2])/(?:1[89]|20)\d{2}|(?:1[89]|20)\d{2}[\-/](?:0?[1-9]|1[0-2]))"#, group: 1, needs: Pattern.digits),
        Pattern(.date, "(?i)(?:\\bDOB\\b|date of birth|born(?: on| in)?)[\\s:]*(\(month)\\.?\\s+(?:1[89]|20)\\d{2})", group: 1, needs: Pattern.digits),
    ]
}
