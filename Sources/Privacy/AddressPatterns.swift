/// Postal codes and street addresses: 〒 and Japanese addresses (都道府県 + 市区町村 + 番地,
/// or a prefecture with its city), US street addresses with city, state and ZIP, UK
/// addresses and postcodes. A prefecture, state or country alone stays (too coarse to
/// identify anyone).
enum AddressPatterns {
    static let prefecture = #"(?:北海道|東京都|(?:京都|大阪)府|(?:青森|岩手|宮城|秋田|山形|福島|茨城|栃木|群馬|埼玉|千葉|神奈川|新潟|富山|石川|福井|山梨|長野|岐阜|静岡|愛知|三重|滋賀|兵庫|奈良|和歌山|鳥取|島根|岡山|広島|山口|徳島|香川|愛媛|高知|福岡|佐賀|長崎|熊本|大分|宮崎|鹿児島|沖縄)県)"#
    static let municipality = #"(?:[\p{Han}\p{Katakana}ヶー]{1,7}?(?:市|区|郡))(?:[\p{Han}\p{Katakana}ヶー]{1,5}?(?:区|町|村))?"#
    static let town = #"(?:[\p{Han}\p{Katakana}\p{Hiragana}ヶー]|\d{1,2}条){0,10}?"#
    static let block = #"\s?\d{1,4}(?:丁目|-|の)\s?\d{1,4}(?:\s?(?:番地?|-|の)\s?\d{1,4}(?:号)?|\s?番地?)?(?:[\s\-]?\d{1,4}号室)?"#
    static let streetSuffix = #"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Close|Crescent|Parkway|Pkwy|Highway|Hwy|Circle|Square|Sq|Gardens|Grove|Row|Mews)"#
    static let usState = #"(?:AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC)"#
    static let ukPostcode = #"[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}"#

    static let all: [Pattern] = [
        Pattern(.address, #"〒\s?\d{3}-?\d{4}"#, needs: "〒"),
        Pattern(.address, #"(?i)(?:郵便番号|postal code|post code|postcode|zip(?: code)?)[\s:：は]*(\d{3}-\d{4}|\d{5}(?:-\d{4})?)"#, group: 1, needs: Pattern.digits),
        // 東京都世田谷区桜丘1丁目2番3号, 大阪市北区梅田1-2-3, 神奈川県横浜市青葉区
        Pattern(.address, "(?:\(prefecture)\\s?)?\(municipality)\(town)\(block)", needs: "市区郡"),
        Pattern(.address, "\(prefecture)\\s?\(municipality)(?:\(town)\(block))?", needs: "都道府県"),
        // 221 Baker Street, 1600 Pennsylvania Ave NW, Apt 4B, Springfield, IL 62704
        Pattern(.address, "(?:\\b(?:Flat|Apt|Apartment|Unit|Suite|Room)\\s+[A-Za-z0-9\\-]+,?\\s+)?\\b\\d{1,5}[A-Z]?\\s+(?:[NSEW]\\.?\\s+)?(?:[A-Z][a-z']+\\s+){1,3}\(streetSuffix)\\b\\.?(?:\\s+(?:NW|NE|SW|SE|N|S|E|W)\\b)?"
            + "(?:,?\\s*(?:Apt|Apartment|Suite|Ste|Unit|Flat|#)\\.?\\s*[A-Za-z0-9\\-]+)?"
            + "(?:,\\s*[A-Z][a-z]+(?:\\s[A-Z][a-z]+)?(?=,?\\s*(?:\(usState)\\s+\\d{5}|\(ukPostcode)\\b)))?"
            + "(?:,?\\s*\(usState)\\s+\\d{5}(?:-\\d{4})?\\b|,?\\s*\(ukPostcode)\\b)?", needs: Pattern.digits),
        Pattern(.address, "\\b[A-Z][a-z]+(?:\\s[A-Z][a-z]+)?,\\s\(usState)\\s\\d{5}(?:-\\d{4})?\\b", needs: Pattern.digits),
        Pattern(.address, "\\b\(ukPostcode)\\b", needs: Pattern.digits),
    ]
}
