import Testing
@testable import Privacy

/// Clinical content comes back unchanged: the scrubber must not eat what the reviewers
/// are commenting on.
@Suite struct ClinicalTextTests {
    let scrubber = Scrubber.standard

    func expectUnchanged(_ texts: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        for text in texts {
            let result = scrubber.scrub(text)
            #expect(result.text == text, "replaced \(result.spans.map { "\($0.kind): \($0.text)" })", sourceLocation: sourceLocation)
        }
    }

    @Test func drugsAndDoses() {
        expectUnchanged([
            "メトホルミン500 mg 1日2回、アムロジピン5mg 1日1回朝食後",
            "ワルファリン2 mg、PT-INR 2.5を目標",
            "metformin 500 mg twice daily and atorvastatin 40 mg at night",
            "Lantus 10 units at bedtime; Eliquis 5 mg BID",
            "amoxicillin 500 mg tds for 7 days, 1-2 tablets prn",
        ])
    }

    @Test func labValuesAndUnits() {
        expectUnchanged([
            "HbA1c 7.2%、eGFR 45 mL/min/1.73m²、Cr 1.2 mg/dL",
            "白血球12,000/μL、Hb 9.8 g/dL、血小板25万",
            "CRP 123 mg/L, troponin 0.08 ng/mL, potassium 5.9 mmol/L",
            "LDL 4.1 mmol/L, HbA1c 53 mmol/mol, ferritin 1200 ng/mL",
            "尿蛋白(2+)、尿糖(-)",
        ])
    }

    @Test func ages() {
        expectUnchanged(["68歳男性", "生後6か月の女児", "a 45-year-old woman", "An 82-year-old with", "70代女性、92歳男性"])
    }

    @Test func vitalSigns() {
        expectUnchanged([
            "血圧150/90 mmHg、脈拍88/分、SpO2 92%（室内気）、体温38.5℃",
            "BP 150/90, HR 110 bpm, RR 24/min, SpO2 92% on room air, temp 38.5 C",
            "BP 120/80 mmHg lying, 100/60 standing",
        ])
    }

    @Test func relativeTimes() {
        expectUnchanged(["3日前から発熱", "2週間前から咳嗽、半年前から労作時呼吸困難", "cough for 3 days, fever since 2 days ago",
                         "review in 2 weeks", "1か月後に再診", "3月5日から発熱、3月9日に解熱", "rash since 4 March, better by 9 March",
                         "2019年に胃癌手術、2020年3月に再発"])
    }

    @Test func scoresAndEponyms() {
        expectUnchanged([
            "Wellsスコア6点、CHADS2スコア3点、Apgarスコア8/9",
            "GCS E3V4M5、JCS I-3、NYHA II度",
            "パーキンソン病の既往、アルツハイマー型認知症、クッシング症候群の疑い、橋本病、川崎病",
            "Wells score of 6, CURB-65 score 3, Apgar 8 and 9",
            "a history of Parkinson's disease and early Alzheimer's dementia",
            "suspected Cushing syndrome; Graves' disease on carbimazole; Crohn's disease",
            "a positive Murphy's sign, Bell's palsy, Child-Pugh B cirrhosis",
            "Parkinson disease, Alzheimer disease, Hodgkin lymphoma, Barrett's oesophagus",
            "Stevens-Johnson syndrome after carbamazepine",
            "感冒様症状、すりガラス様陰影",
        ])
    }

    @Test func rolesAndEverydayWordsBeforeHonorifics() {
        expectUnchanged([
            "看護師さんに伝えてください。患者さんの家族にも説明を。お母さんが心配している。",
            "主治医の先生へ相談を。先生方のご意見を伺いたい。赤ちゃんの発熱は要注意。",
            "皆さんに周知。おばあちゃんの薬を確認。ケアマネさんと調整。薬剤師さんに疑義照会。",
            "多様な症状、同様の所見、肺炎様の陰影、インフルエンザ様疾患。脳外科医師に紹介。",
            "ビタミン剤はたくさん飲んでも害はない？",
        ])
    }

    @Test func organisationsGuidelinesAndOrganisms() {
        expectUnchanged([
            "Amoxicillin 500 mg three times daily per Public Health England guidance.",
            "Mentions NICE NG28 and the ADA Standards of Care 2024.",
            "Escherichia Coli and Klebsiella Pneumoniae are common causes of UTI.",
            "Recommend referral to Neurology for possible Guillain-Barré syndrome.",
            "eGFR by Cockcroft-Gault; St John's wort interacts with warfarin.",
        ])
    }

    @Test func guidelineYearsAndRatios() {
        expectUnchanged(["2019 ESC guideline", "ratio 2/3 of patients", "FEV1/FVC 0.65", "ICD-10 E11.9", "COVID-19 in 2021"])
    }
}
