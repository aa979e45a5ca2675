//! Japanese for the text Rust hands the operator's documents (phase titles,
//! what each step does): the `ja` filter of the Japanese templates
//! (`build --lang ja`). A string without a translation fails the build
//! rather than leave English in a Japanese runbook; `tests/lang.rs` builds
//! every valid fixture in Japanese, so a new step's text cannot be missed.

use minijinja::{Error, ErrorKind};

/// (English, Japanese), in the order the runbook meets them.
pub const MESSAGES: &[(&str, &str)] = &[
    // Runbook phases (runbook.rs).
    ("Prepare", "準備"),
    ("Pilot", "パイロット"),
    ("Cutover", "切り替え"),
    ("Outbound", "送信"),
    ("Lock-down", "ロックダウン"),
    ("Stabilize", "安定化"),
    // What the runbook's own items do (runbook.rs).
    ("lower the MX TTL", "MX の TTL を下げる"),
    ("check the inbound connector", "受信コネクタを確認する"),
    ("wait out the old MX TTL", "古い MX の TTL が切れるまで待つ"),
    ("test mail through the gateway", "ゲートウェイ経由でメールをテストする"),
    ("point MX at the gateway", "MX をゲートウェイに向ける"),
    ("check the MX records served", "配信されている MX レコードを確認する"),
    (
        "name the gateway in each domain's SPF record",
        "各ドメインの SPF レコードにゲートウェイを加える",
    ),
    (
        "check connectivity and TLS to the smart hosts",
        "スマートホストへの接続と TLS を確認する",
    ),
    ("send a message out", "外部へメッセージを送る"),
    (
        "wait for stale MX records to expire",
        "古い MX レコードがキャッシュから消えるのを待つ",
    ),
    (
        "find senders that deliver straight to Microsoft 365",
        "Microsoft 365 に直接配信している送信元を探す",
    ),
    ("check that direct send is rejected", "Direct Send が拒否されることを確認する"),
    ("check the lock-down", "ロックダウンを確認する"),
    ("raise the gateway MX's TTL", "ゲートウェイの MX の TTL を上げる"),
    // Step summaries (exchange/plan.rs).
    (
        "checks the session and the accepted domains; enables organization customization if the tenant needs it",
        "セッションと承認済みドメインを確認し、テナントに必要なら組織のカスタマイズを有効にする",
    ),
    (
        "the Partner connector that receives the gateway's mail, with Enhanced Filtering",
        "ゲートウェイのメールを受け取るパートナーコネクタ（拡張フィルター処理付き）",
    ),
    (
        "adds the gateway's addresses to the connection-filter allow list",
        "ゲートウェイのアドレスを接続フィルターの許可リストに追加する",
    ),
    (
        "turns SPF hard fail off in the Default anti-spam policy",
        "Default の迷惑メール対策ポリシーで SPF ハードフェイルをオフにする",
    ),
    (
        "adds the gateway's ARC sealer domain to the trusted ARC sealers, keeping the tenant's others",
        "テナントの他のシーラーを残したまま、ゲートウェイの ARC シーラーのドメインを信頼できる ARC シーラーに追加する",
    ),
    (
        "the SCL -1 rule for the gateway's addresses",
        "ゲートウェイのアドレス向けの SCL -1 ルール",
    ),
    (
        "the outbound connector to the gateway's smart hosts",
        "ゲートウェイのスマートホストへの送信コネクタ",
    ),
    (
        "the rule that routes outbound mail to it, stamped with the secret (asks for the secret)",
        "送信メールをそこへルーティングし、シークレットを付けるルール（シークレットを尋ねる）",
    ),
    (
        "the connector that rejects mail for the routed domains that did not come through the gateway; it checks first that no domain's MX still points at Microsoft 365",
        "ゲートウェイを通らなかったルーティング対象ドメイン宛てのメールを拒否するコネクタ。最初に、MX が Microsoft 365 を向いたままのドメインがないことを確認する",
    ),
    (
        "turns Reject Direct Send on: anonymous mail from your own domains that matches no inbound connector is rejected",
        "Direct Send の拒否をオンにする: どの受信コネクタにも一致しない、自組織のドメインからの匿名メールが拒否される",
    ),
    (
        "removes objects mailflowc marked for a role this topology no longer has, and allow-list entries and ARC sealers it added that are no longer wanted",
        "このトポロジーにもうない役割のマーカーを mailflowc が付けたオブジェクトと、mailflowc が追加してもう不要になった許可リストのエントリと ARC シーラーを削除する",
    ),
    (
        "compares every managed object, the allow list, the ARC sealers, the SPF and Reject Direct Send settings with the wanted state, changes nothing; exit 3 on drift; -ExportPath writes what it read for `mailflowc drift`",
        "管理対象のすべてのオブジェクト、許可リスト、ARC シーラー、SPF と Direct Send の拒否の設定を望ましい状態と比較する。何も変更しない。ずれがあれば終了コード 3。-ExportPath は読み取った内容を `mailflowc drift` 用に書き出す",
    ),
    // Gateway steps (gateway/plan.rs, cisco/plan.rs).
    (
        "onboard each domain in the vendor's console, delivering to its Microsoft 365 MX host over TLS, and read it back",
        "ベンダーのコンソールで各ドメインを登録し、TLS でそのドメインの Microsoft 365 の MX ホストへ配信するようにして、読み戻して確認する",
    ),
    (
        "the gateway accepts relayed mail from your tenant only",
        "ゲートウェイは自テナントからのリレーメールだけを受け付ける",
    ),
    (
        "RAT, SMTP routes and destination controls for the routed domains, committed and read back",
        "ルーティング対象ドメインの RAT、SMTP ルート、宛先制御（コミットして読み戻す）",
    ),
    (
        "sender group, relay guard (from `mailflowc reveal`), committed and read back",
        "送信者グループ、リレーガード（`mailflowc reveal` から）（コミットして読み戻す）",
    ),
    // Disposition rule actions of the catalog (catalog/vendors/*.toml).
    (
        "set the spam confidence level (SCL) to 5",
        "スパム信頼度 (SCL) を 5 に設定する",
    ),
    (
        "redirect the message to the hosted quarantine",
        "メッセージをホストされた検疫にリダイレクトする",
    ),
    // Disposition rule names with a note of mailflowc's (catalog); a name
    // without one is the vendor's and stays as it is (`ja_name`).
    (
        "Email Security Deliver to Junk Email folder (the guide gives the second rule the same name; Exchange needs a name of its own, add a suffix)",
        "Email Security Deliver to Junk Email folder（ガイドは二つ目のルールにも同じ名前を付けていますが、Exchange では別の名前が必要です。接尾辞を付けてください）",
    ),
    ("", ""),
];

/// The Japanese of `text`, or an error naming it.
pub fn translate(text: &str) -> Result<String, Error> {
    MESSAGES
        .iter()
        .find(|(en, _)| *en == text)
        .map(|(_, ja)| (*ja).to_owned())
        .ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidOperation,
                format!("no Japanese for `{text}` (src/targets/ja.rs)"),
            )
        })
}

/// A name: its Japanese when it carries a note of mailflowc's, otherwise the
/// name itself (a vendor's rule name is typed as the vendor gives it).
pub fn name(text: &str) -> String {
    translate(text).unwrap_or_else(|_| text.to_owned())
}

/// A duration in seconds as Japanese says it (`1 時間`, `5 分`).
pub fn duration(seconds: i64) -> String {
    let (count, unit) = match seconds {
        s if s % 86400 == 0 => (s / 86400, "日"),
        s if s % 3600 == 0 => (s / 3600, "時間"),
        s if s % 60 == 0 => (s / 60, "分"),
        s => (s, "秒"),
    };
    format!("{count} {unit}")
}
