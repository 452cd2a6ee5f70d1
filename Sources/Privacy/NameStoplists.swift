/// Words that look like names to the name scanners but are not: Japanese roles and
/// kinship terms before honorifics, clinical words before 様 ("感冒様症状"), capitalised
/// English words, and medical eponyms (Parkinson's disease, Wells score…), which stay.
enum NameStoplists {
    // Japanese

    /// Honorifics and titles written after a name, longest first.
    static let honorifics = ["先生", "医師", "さま", "ちゃん", "くん", "院長", "教授", "看護師", "様", "さん", "氏", "君", "殿"]

    /// Roles and kinship terms that are stripped from the front of a kanji run before an
    /// honorific ("主治医山田先生") and are never names on their own.
    static let japaneseRoles = [
        "患者", "主治医", "担当医", "担当", "医師", "看護師", "薬剤師", "技師", "家族", "長男", "次男", "三男", "長女", "次女",
        "三女", "夫", "妻", "母", "父", "兄", "姉", "弟", "妹", "息子", "娘", "祖母", "祖父", "孫", "叔父", "叔母", "伯父",
        "伯母", "義母", "義父", "紹介元", "紹介医", "前医", "院長", "部長", "教授", "同室", "隣", "元", "故", "本人", "患児",
        "担任", "校長", "園長", "社長", "課長", "係長", "店長", "所長", "局長", "会長", "上司", "友人", "知人", "同僚", "職員",
        "委員", "主任", "嫁", "婆", "爺", "師長", "医長", "科長", "助教", "講師", "准教授", "研修医", "専攻医",
    ]
    static let japaneseRoleSet = Set(japaneseRoles)

    /// Runs that are never names before an honorific.
    static let japaneseNonNames: Set<String> = japaneseRoleSet.union([
        "皆", "奥", "御", "親御", "お子", "赤", "先方", "相手", "彼", "彼女", "誰", "何", "某", "各", "両", "同", "貴", "王",
        "神", "仏", "坊", "看護", "男性", "女性", "男児", "女児", "高齢", "高齢者", "背景", "情報", "全員", "自身", "側", "数",
        "様", "自宅", "主訴", "既往", "現病歴", "診断", "所見", "経過", "方針", "処方", "検査", "年齢", "性別", "外来",
        "入院", "退院", "術後", "術前", "当院", "他院", "前回", "今回", "初診", "再診", "受診",
        "子", "妊婦", "妊産婦", "産婦", "新生児", "乳児", "幼児", "小児", "子供", "保護者", "介護者", "相談者", "利用者", "来院者",
        "高齢者", "障害者", "医者", "歯医者", "歯科医", "先輩", "後輩", "学生", "生徒", "児童", "大家", "店員", "運転手", "業者",
        "近所", "隣人", "住人", "患者様", "皆様", "方", "人", "客", "主人", "旦那", "奥様", "嫁", "姑", "舅", "お嬢", "坊ちゃん",
        // hiragana and katakana words before さん・ちゃん・くん
        "みな", "おばあ", "おじい", "おかあ", "おとう", "おにい", "おねえ", "おば", "おじ", "あか", "おこ", "おく", "かんじゃ",
        "たく", "みなさ", "おまわり", "おいしゃ", "かあ", "とう", "ねえ", "にい", "ばあ", "じい", "ぼっ", "おじょう", "おぼっ",
        "ナース", "ヘルパー", "ケアマネ", "ケアマネージャー", "ママ", "パパ", "ドクター", "スタッフ", "ドライバー",
        "セラピスト", "リハ", "ボランティア", "ベビー", "オーナー", "マネージャー", "ワーカー", "ソーシャルワーカー",
        "ガイド", "ゲスト", "ユーザー", "メンバー", "パート", "ナースさん", "クライアント", "ペイシェント",
    ])

    /// Last characters of clinical words that precede 様 or 型 ("感冒様", "肺炎様",
    /// "すりガラス様"); a kanji run ending in one is not a name.
    static let clinicalEndings: Set<Character> = Set("炎症瘍瘤胞腫疹息塞血状粒痛熱咳変影型性病癌帯質物核管球膜脈斑痺攣冒染傷折害全常張満縮")

    /// Kanji that do not occur in the given-name part after a surname ("田中病院",
    /// "福島在住", "中村医師").
    static let notInGivenNames: Set<Character> = Set("病院科所市区町村県都府駅学在住出身医師長家氏様君症炎部室棟課局館園店社会式型法線号群側方宅薬剤局内外")

    /// Two-kanji words shaped like a surname that start everyday words (日本人, 視野, 抗原).
    static let notSurnames: Set<String> = [
        "日本", "視野", "肺野", "抗原", "経口", "以上", "以下", "低下", "血中", "胸水", "腹水", "術中", "体内", "院内", "分野",
        "標本", "基本", "根本", "資本", "当日", "本日", "毎日", "先月", "今月", "毎月", "翌月", "前月", "来月", "年月",
        "局所", "高原", "平原", "草原", "病原", "起原", "中間", "時間", "期間", "夜間", "年間", "月間", "週間", "空間",
        "市場", "現場", "会場", "工場", "立場", "入浴", "河川", "油田", "関東", "関西", "海外", "国内", "屋外", "屋内",
    ]

    /// Last kanji of departments and institutions before 医師・先生 (歯科医師, 薬局様).
    static let departmentEndings: Set<Character> = Set("科院局部課所署病症炎")

    // English

    static let titles: Set<String> = ["Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Prof", "Professor", "Sir", "Dame", "Mister", "Doctor"]

    /// Words after which a capitalised word is a person ("patient John Smith", "seen by
    /// Anna Lee"), compared in lower case.
    static let contextWords: Set<String> = [
        "patient", "pt", "client", "resident", "named", "called", "name", "son", "daughter", "wife", "husband", "mother",
        "father", "brother", "sister", "partner", "spouse", "nurse", "physician", "surgeon", "gp", "consultant", "attending",
        "registrar", "colleague", "caregiver", "carer", "guardian", "neighbour", "neighbor", "friend", "by", "contact",
        "mr", "mrs", "ms", "dr", "grandson", "granddaughter", "grandmother", "grandfather", "uncle", "aunt", "niece",
        "nephew", "fiancé", "fiance", "boyfriend", "girlfriend", "midwife", "pharmacist", "therapist", "intern", "fellow",
    ]
    /// Context words that need more than a capitalised word after them: after "by" the
    /// next word must not be a common capitalised word either (checked with `commonWords`).
    static let weakContextWords: Set<String> = ["by", "contact", "friend", "fellow", "name"]

    static let romajiHonorifics: Set<String> = ["san", "sama", "sensei", "kun", "chan", "dono", "shi"]

    /// Capitalised words that are not names.
    static let commonWords: Set<String> = Set("""
        The A An He She They It This That These Those His Her Their Its We I You On In At For With Without From To Of By \
        And Or But If When While After Before During Since Until Because As Is Was Are Were Be Been Has Had Have Do Does Did \
        Not No Yes Please Today Yesterday Tomorrow Tonight Morning Evening Night Now Then Also Still Again Here There \
        Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July August \
        September October November December Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Patient Patients Pt History \
        Plan Assessment Impression Diagnosis Examination Exam Findings Medications Medication Allergies Allergy Review \
        Type Grade Stage Class Score Scale Criteria Disease Syndrome Hospital Clinic Ward Room Unit Department Emergency \
        Intensive Care General Internal Medicine Surgery Cardiology Neurology Oncology Pediatrics Paediatrics Day Week \
        Month Year Years Hour Hours Blood Pressure Heart Rate Temperature Oxygen Saturation Labs Lab Imaging Chest Abdomen \
        Left Right Bilateral Acute Chronic Severe Mild Moderate Normal Abnormal Positive Negative High Low New Old Follow \
        Discharge Admission Admitted Presented Presents Reports Denies Complains Started Stopped Continue Consider Check \
        Start Stop Increase Decrease Reduce Avoid Give Take Refer Repeat Monitor Call Noted Note Notes Per Dear Thanks \
        Thank Kind Regards Best Sincerely Hi Hello English Japanese Asian European African American British Christian \
        Doctor Nurse Mother Father Son Daughter Wife Husband Sister Brother Family Team Staff Service Services Primary \
        Secondary Tertiary Level Phase Trial Study Guideline Guidelines Protocol Insulin Metformin Aspirin Warfarin Heparin \
        None Unknown Other Others Both Each Every Some Any All Many Most Several First Second Third Last Next Previous Prior \
        Mr Mrs Ms Miss Dr Prof Sir Dame Mx Covid Emergency Department Road Street Avenue Lane Drive St Saint \
        Public Health England Scotland Wales Ireland Britain National Institute Society College Royal University \
        Association Foundation Trust Centre Center Organization Organisation World Heart Study Kingdom United States \
        Ministry Agency Board Council Committee Federation Academy Journal Standards Medical Clinical Excellence
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))

    /// Eponyms used in medicine: never a name unless a title or honorific makes it one.
    static let eponyms: Set<String> = Set("""
        Parkinson Parkinson's Alzheimer Alzheimer's Cushing Cushing's Addison Addison's Graves Graves' Hashimoto Wilson \
        Wilson's Barrett Barrett's Turner Turner's Down Down's Bell Bell's Murphy Murphy's Evans Wells Apgar Crohn Crohn's \
        Hodgkin Hodgkin's Kaposi Raynaud Raynaud's Paget Paget's Marfan Huntington Huntington's Tourette Meniere Ménière \
        Wernicke Korsakoff Guillain Barré Barre Stevens Johnson Kawasaki Takayasu Still Still's Reiter Bright Conn Glasgow \
        Child Pugh Killip Forrest Ranson Centor Duke Framingham Mallampati Braden Norton Ramsay Richmond Rankin Barthel \
        Karnofsky Gleason Breslow Clark Dukes Ann Arbor Gram Gram's Babinski Kernig Brudzinski Trousseau Chvostek \
        Homans Virchow Horner Horner's Bence Jones Sjögren Sjogren Behçet Behcet Kussmaul Cheyne Stokes Adams Epley \
        Heimlich Valsalva Trendelenburg Seldinger Whipple Nissen Billroth Hartmann Roux Fallot Ebstein Eisenmenger \
        Kearns Sayre Lewy Pick Creutzfeldt Jakob Bell Lyme Ludwig Ludwig's Meckel Meckel's Hirschsprung Kallmann \
        Klinefelter Noonan Prader Willi Angelman Rett Gaucher Fabry Pompe Tay Sachs Niemann Hunter Hurler Wolff \
        Parkinsonism Alzheimers Cockcroft Gault Mallory Weiss Osgood Schlatter Legg Calve Perthes Marie Tooth Apley McMurray Lachman Phalen Tinel Finkelstein Murphy Rovsing McBurney Grey Turner \
        Cullen Beck Charcot Cheyne Lhermitte Romberg Weber Rinne Snellen Ishihara Holter Swan Ganz Foley Doppler \
        Bishop Hamilton Beck Montgomery Asberg Folstein Wechsler Likert Borg Wong Baker Hoehn Yahr Bristol Rome Jones \
        Duckett Light Light's Geneva Caprini Padua Wexner Alvarado Ottawa Canadian Nexus Khorana Charlson Elixhauser
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))

    /// Genera written capitalised before a species that sometimes is too ("Staphylococcus Aureus").
    static let microbeGenera: Set<String> = Set("""
        Staphylococcus Streptococcus Escherichia Klebsiella Pseudomonas Enterococcus Clostridium Clostridioides Candida \
        Aspergillus Mycobacterium Haemophilus Neisseria Listeria Salmonella Shigella Campylobacter Helicobacter Legionella \
        Mycoplasma Chlamydia Bordetella Treponema Borrelia Acinetobacter Enterobacter Proteus Serratia Bacteroides \
        Cryptococcus Pneumocystis Toxoplasma Plasmodium Giardia Entamoeba Moraxella Corynebacterium Bacillus Vibrio
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))

    /// Words after a capitalised word that make it an eponym ("Wells score", "Bell's palsy").
    static let eponymFollowers: Set<String> = Set("""
        disease syndrome sign signs score scores criteria palsy test tests scale classification phenomenon triad maneuver \
        manoeuvre reflex sarcoma lymphoma esophagus oesophagus ulcer thyroiditis encephalopathy dementia type procedure \
        operation fracture node nodes cell cells law rule rules equation formula index method technique tube catheter \
        questionnaire grade stage staging disorder deformity diverticulum sarcoidosis anomaly tetralogy stain staining \
        solution catheterisation catheterization body bodies point points line lines maneuvre position incision repair \
        ratio risk model protocol regimen classification inventory exam examination manoeuvres maneuvers ataxia chorea \
        tumor tumour nerve fold folds plexus area areas canal duct ducts gland glands wort protein proteins
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
}
