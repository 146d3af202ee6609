# ecsnet のメッセージ (日本語)。ID は英語の原文 (Rust のコード) と対応し、ここに無いものは英語で表示されます。
# 用語は AWS の日本語ドキュメントに合わせています。
# { $name } は引数です (英語の原文と同じ名前)。識別子、AWS のエラーコード、フィールド名、パス、コマンドは訳しません。

label-why = 理由
label-fix = 対処

reason-why-DNS_SUPPORT_DISABLED = VPC の enableDnsSupport がオフです。Amazon 提供の DNS サーバー (VPC CIDR のベース +2 と 169.254.169.253) は何にも答えないので、問い合わせはすべてタイムアウトします
reason-fix-DNS_SUPPORT_DISABLED = vpc ブロックで `enableDnsSupport: true` にするか、`dhcpOptions.domainNameServers` で別のリゾルバーを指定します

reason-why-ENI_SG_RULES_MISMATCH = セキュリティグループは ENI に付くステートフルな許可リストです。受信側 ENI のいずれかのセキュリティグループに、このプロトコルとポートを送信元 (そのアドレス、または送信元 ENI が属するセキュリティグループ) から許可するルールがなければ接続は入れません。awsvpc タスクは専用の ENI とセキュリティグループを持ち、bridge や host のタスクはインスタンスのものの内側にいます
reason-fix-ENI_SG_RULES_MISMATCH = 受信側 ENI のセキュリティグループに、このプロトコルとポートのインバウンドルールを追加します。送信元は送信元の CIDR か、送信元 ENI が属するセキュリティグループ (`source: sg/NAME`) にします

reason-why-SUBNET_ACL_RESTRICTION = ネットワーク ACL はステートレスで、サブネットの境界を通るたびに両方向で評価されます。リクエストと応答 (クライアントのエフェメラルポート宛て。Linux のクライアントなら 32768-60999) のそれぞれに、deny より小さい番号の allow ルールが必要です
reason-fix-SUBNET_ACL_RESTRICTION = そのサブネットのネットワーク ACL で、応答のエフェメラルポートも含めて両方向の通信を許可します

reason-why-NO_ROUTE_TO_DESTINATION = 宛先へのルートがありません。送信元サブネットのルートテーブルに宛先を含むルートが無い (またはブラックホール) か、インターネットからの場合は VPC にインターネットゲートウェイがありません
reason-fix-NO_ROUTE_TO_DESTINATION = 送信元のルートテーブルに宛先へのルートを追加します (パブリックサブネットならインターネットゲートウェイへ、プライベートサブネットなら NAT ゲートウェイへ)。インターネットから到達させるには、VPC にインターネットゲートウェイが、宛先にパブリック IP が必要です

reason-why-IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS = インターネットゲートウェイが変換するのは、パブリック IP か Elastic IP を持つアドレスだけです。プライベートアドレスだけではインターネットに出られません
reason-fix-IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS = 送信元にパブリック IP か Elastic IP を付けるか、そのサブネットを NAT ゲートウェイ経由にルーティングします

reason-why-IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS = インターネットから到達できるのはパブリック IP と Elastic IP だけです。プライベートアドレスはインターネットではルーティングされません
reason-fix-IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS = 宛先をパブリック IP で指定する (例: `instance/NAME@public`) か、前段にロードバランサーを置きます

reason-why-AWSVPC_PORT_NOT_PUBLISHED_ON_HOST = awsvpc タスクは専用の ENI を持ちます。そのポートはインスタンスには公開されない (hostPort も Docker の DNAT も無い) ため、インスタンスのアドレスからはタスクに届きません
reason-fix-AWSVPC_PORT_NOT_PUBLISHED_ON_HOST = タスク自身のアドレス (`task/NAME`) で接続するか、bridge モードで hostPort を付けて `instance/NAME:HOSTPORT` に接続します

reason-why-NO_PUBLIC_IP_ON_EC2_TASK_ENI = EC2 起動タイプでは、タスクの ENI にパブリック IP は付きません (assignPublicIp は Fargate 用)。パブリックサブネットでも同じです。インターネットから awsvpc タスクへ直接は届かず、タスクが外に出るには NAT ゲートウェイが必要です
reason-fix-NO_PUBLIC_IP_ON_EC2_TASK_ENI = タスクの前段にロードバランサーを置くか、bridge モードで hostPort を付けて `instance/NAME@public:HOSTPORT` に接続します。タスクからの送信には、サブネットを NAT ゲートウェイ経由にルーティングします

reason-why-NAT_GATEWAY_NO_INBOUND = NAT ゲートウェイが変換するのは VPC の内側から始めた接続だけです。インターネットから NAT ゲートウェイを通して接続を開くことはできません
reason-fix-NAT_GATEWAY_NO_INBOUND = インバウンドの通信には、宛先のパブリック IP かロードバランサーを使います

reason-why-NO_LISTENER = パケットは届きましたが、宛先はそのポートで何も待ち受けていないと応答しました (TCP のリセット、UDP なら ICMP port unreachable)
reason-fix-NO_LISTENER = ポートを確認します。コンテナの `portMappings` (または `x-ecsnet.listen`) に宣言するか、実際に待ち受けているポートに接続します

reason-why-NETWORK_MODE_NONE = ネットワークモード `none` のタスクにはループバックインターフェイスしかなく、外との通信は一切できません
reason-fix-NETWORK_MODE_NONE = awsvpc、bridge、host のいずれかのネットワークモードを使います

reason-why-NO_PUBLIC_IP = 宛先にパブリックアドレスが無いため、VPC の外からは指定できません
reason-fix-NO_PUBLIC_IP = パブリック IP か Elastic IP を付けるか (mapPublicIpOnLaunch のパブリックサブネット)、ロードバランサーを使います

reason-why-TASK_NOT_PLACED = タスクが配置されなかったため (ECS の理由: 例えば RESOURCE:ENI や RESOURCE:PORTS)、アドレスがありません
reason-why-TASK_NOT_STARTED = タスクは配置されましたが起動しませんでした: コンテナを動かす前に ECS エージェントが行う AWS への呼び出し (シークレット、イメージの pull、awslogs のストリーム) が失敗したため、何も待ち受けていません
reason-fix-TASK_NOT_STARTED = `ecsnet explain LAB task/NAME --start` で理由を確認します: NAT ゲートウェイか、起動に要る VPC エンドポイント (ecr.api、ecr.dkr、S3 のゲートウェイエンドポイント、logs、secretsmanager か ssm) と、インスタンスからの 443 を許すセキュリティグループが必要です
reason-why-FARGATE_NO_IMDS = Fargate タスクはインスタンスメタデータサービスのない microVM で動きます: 169.254.169.254 は応答しません (認証情報は 169.254.170.2 のタスク認証情報エンドポイントから得ます)
reason-why-NLB_LOOPBACK = クライアント IP を保持するネットワークロードバランサーはループバック (ヘアピン) に対応しません: 自分のフローが自分に振り分けられたターゲットは自分のアドレスからのパケットを受け取って捨て、接続はタイムアウトします (別のターゲットに届いたときだけ成功します)
reason-fix-NLB_LOOPBACK = ターゲットグループのクライアント IP 保持を切る (`preserve_client_ip.enabled: false`、TCP グループ) か、ターゲットを IP で登録 (`targetType: ip`) して、ターゲットにロードバランサーのアドレスが見えるようにします
reason-why-DNS_NAME_NOT_RESOLVED = クライアントは名前に接続する前にリゾルバー (タスクやインスタンスなら VPC の Amazon 提供 DNS サーバー) に問い合わせます。アドレスが返らなかった (NXDOMAIN、その名前のレコードがない、応答がない) ので、何も送られません。Cloud Map の名前には登録され実行中のタスクのレコードしかなく、インターフェイスエンドポイントのプライベート DNS 名は privateDnsEnabled のときだけあります
reason-fix-DNS_NAME_NOT_RESOLVED = `ecsnet explain LAB FROM --dns NAME` で名前を確かめます。Cloud Map のサービスには ECS サービスの `serviceRegistries` と実行中のタスクが要り、プライベートホストの名前には VPC の enableDnsSupport と enableDnsHostnames が要ります
reason-fix-FARGATE_NO_IMDS = タスクに `taskRoleArn` を与え、SDK に AWS_CONTAINER_CREDENTIALS_RELATIVE_URI を使わせます。ゾーンやアドレスはタスクメタデータエンドポイント (ECS_CONTAINER_METADATA_URI_V4) から読みます
reason-fix-TASK_NOT_PLACED = `ecsnet ps` で配置されなかった理由を確認し、ENI (より大きいインスタンスタイプか ENI トランキング) かホストポート (動的ホストポート) を空けます

reason-why-INVALID_SOURCE = このノードはパケットを送信できません
reason-fix-INVALID_SOURCE = タスク、インスタンス、インターネット、インターネット上のホストから送信します

reason-why-IMDS_BLOCKED = この送信元からのインスタンスメタデータサービスは遮断されています (awsvpc タスクは ECS_AWSVPC_BLOCK_IMDS、bridge タスクは AWS が文書化している DOCKER-USER のルール)。タスクがインスタンスのロールではなくタスクロールを使うためです
reason-fix-IMDS_BLOCKED = タスク認証情報エンドポイント (169.254.170.2) 経由でタスクロールを使うか、遮断を外します (`ecsAgent: {"{"} ECS_AWSVPC_BLOCK_IMDS: false {"}"}`、`blockImdsFromBridge: false`)

reason-why-OFFHOST_INTROSPECTION_BLOCKED = ecs-init の入力ルールにより、エージェントのイントロスペクション API (ポート 51678) に届くのはループバックと docker0 からだけです
reason-fix-OFFHOST_INTROSPECTION_BLOCKED = インスタンス上か bridge タスクから問い合わせるか、インスタンスの `ecsAgent` で ECS_ALLOW_OFFHOST_INTROSPECTION_ACCESS: true にします

# --help: what each command does
help-about = Amazon ECS のコンテナネットワーキング (bridge、awsvpc、host、none) をネットワーク名前空間で再現します
help-validate = シナリオファイルを解析して検証します。カーネルには何も触れません
help-up = ラボを構築してプロセスを起動します。すべての準備ができたら戻ります
help-down = ラボが作ったものをすべて削除します (何度実行しても同じ結果になり、クラッシュ後にも使えます)
help-test = シナリオごとに up、すべての期待値のプローブ、down (必ず実行) を行い、結果を報告します
help-check = 起動中のラボの期待値をプローブします
help-probe = その場で 1 回プローブします: ecsnet probe LAB FROM TO:PORT
help-ls = 起動中のラボ (--orphans で残骸も)。ecsnet ls LAB でラボのアドレスを再表示します
explain-dns-header = { $from } が { $server } に { $name } を問い合わせます (ラボ { $lab })
explain-dns-answer = 答え: { $answer }
explain-dns-why = 理由: { $why }
help-explain = パケットが届く理由・届かない理由を、モデル上でホップごとに説明します: ecsnet explain LAB|FILE FROM TO:PORT
help-graph = トポロジーの図 (test --json の結果を --results で渡すと期待値を判定ごとに色分け)
help-ps = 起動中のラボの各インスタンスで `docker ps` が表示する内容: ecsnet ps LAB [--instance NAME]
help-inspect = 起動中のラボのコンテナの `docker inspect` (Docker の名前、ID の先頭 3 文字以上、またはノード名で指定)
help-import = インフラのコードからシナリオを作ります: ecsnet import cloudformation TEMPLATE... | terraform PLAN.json
help-import-cloudformation = CloudFormation テンプレート (JSON か YAML、`cdk synth` の出力も)。指定した順にデプロイし、各スタックのエクスポートが後のスタックの Fn::ImportValue を解決します
help-import-cloudformation-templates = `TEMPLATE` または `STACK=TEMPLATE` (スタック名: AWS::StackName とエクスポート名に使われます。既定はファイル名から拡張子を除いたもの)
help-import-cloudformation-params = パラメータの値 (または渡していないスタックのエクスポートを読む Fn::ImportValue の値)
help-import-cloudformation-region = スタックをデプロイするリージョン (AWS::Region、アベイラビリティーゾーン)
help-import-cloudformation-name = ラボの名前 (既定は最後のスタックの名前)
help-import-cloudformation-output = 標準出力の代わりにここへシナリオを書きます
help-import-terraform = プラン (`terraform plan -out tfplan`) またはステートの `terraform show -json`
help-import-terraform-plan = `terraform show -json` の出力ファイル
help-import-terraform-region = プロバイダーの設定にリージョンがないときのリージョン
help-import-terraform-name = ラボの名前 (既定はファイル名)
help-import-terraform-output = 標準出力の代わりにここへシナリオを書きます
help-test-expect = FILE (`expect:` のリストを持つ YAML ファイル) の期待値をシナリオ自身の期待値に加えます。`ecsnet import` で作ったシナリオの隣に置く使い方など。シナリオは 1 つだけ。複数指定可
help-validate-expect = FILE (`expect:` のリストを持つ YAML ファイル) の期待値をシナリオ自身の期待値に加えます。シナリオは 1 つだけ。複数指定可
help-iam = IAM のポリシーシミュレーター (パケットなし): ecsnet iam simulate-custom-policy ...
help-iam-simulate = ラボの呼び出し元を IAM と同じく評価します (aws iam simulate-principal-policy): タスクかインスタンスのロールセッション、aws.roles がそのロールに付けるポリシー、エンドポイントのポリシー
help-iam-simulate-target = シナリオファイルか動いているラボの名前
help-iam-simulate-principal = task/NAME (タスクロール) または instance/NAME (インスタンスロール)
help-iam-simulate-execution_role = task/NAME のとき: 代わりにタスク実行ロール (そのタスクのためのエージェントの呼び出し)
help-iam-simulate-action_names = 評価するアクション (ecr:DescribeImages)
help-iam-simulate-resource_arns = リソース: ARN、または repository/NAME、bucket/NAME[/KEY]、secret/NAME、parameter/NAME、log-group/NAME
help-iam-simulate-via = 呼び出しがこのインターフェイスエンドポイントを通ります: そのポリシーが aws:SourceVpce、aws:SourceVpc とともに適用されます
help-iam-simulate-context_entries = 追加の条件キー: KEY=VALUE[,VALUE] または AWS の ContextKeyName=...,ContextKeyValues=...
help-iam-simulate-json = EvaluationResults をシミュレーターの形の JSON で出力します
iam-unrestricted = ロール { $role } は aws.roles で宣言されていません: ecsnet はこのロールを制限せず、{ $session } の呼び出しはすべて許可されます。ポリシーを評価させるには宣言してください (roleName: { $role })
iam-no-endpoint = ラボにエンドポイント `{ $name }` はありません
help-iam-simulate-custom-policy = ここで渡したポリシーを IAM と同じく評価します (aws iam simulate-custom-policy): 各リソースへの各アクションをどのステートメントが許可・拒否するか、AWS の拒否メッセージ
help-iam-simulate-custom-policy-policy_input_list = アイデンティティベースのポリシー: file://PATH、パス、または JSON そのもの (複数可)
help-iam-simulate-custom-policy-action_names = 評価するアクション (ecr:DescribeImages)
help-iam-simulate-custom-policy-resource_arns = リソースの ARN (既定は *)
help-iam-simulate-custom-policy-resource_policy = リソースのポリシー (バケット、リポジトリ、シークレットのポリシー)
help-iam-simulate-custom-policy-permissions_boundary_policy_input_list = アクセス許可の境界
help-iam-simulate-custom-policy-caller_arn = 呼び出し元 (既定はラボのアカウントのロールセッション)
help-iam-simulate-custom-policy-context_entries = リクエストの条件キー: KEY=VALUE[,VALUE] または AWS の ContextKeyName=...,ContextKeyValues=...
help-iam-simulate-custom-policy-json = EvaluationResults をシミュレーターの形の JSON で出力します
iam-policy-unreadable = { $path }: { $error }
iam-bad-context = --context-entries { $entry }: KEY=VALUE[,VALUE...] (aws:SourceVpce=vpce-0abc) または ContextKeyName=KEY,ContextKeyValues=VALUE,ContextKeyType=string と書いてください
role-bad-name = 1 validation error detected: Value '{ $name }' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+
role-bad-name-help = 英数字と + = , . @ _ - で 1〜64 文字
role-duplicate = Role with name { $name } already exists.
role-duplicate-help = ロールごとに別の名前を付けてください (IAM は大文字小文字を区別しません)
role-no-such-policy = Policy { $arn } does not exist or is not attachable.
role-no-such-policy-help = ecsnet が知っているのは AmazonECSTaskExecutionRolePolicy (service-role/)、AmazonEC2ContainerServiceforEC2Role (service-role/)、AmazonEC2ContainerRegistryReadOnly、AmazonEC2ContainerRegistryPowerUser、AmazonS3ReadOnlyAccess、AmazonS3FullAccess、AmazonSSMReadOnlyAccess、SecretsManagerReadWrite、CloudWatchLogsFullAccess、CloudWatchAgentServerPolicy、AWSCloudMapDiscoverInstanceAccess です。ほかはインラインの `policies` に書いてください
help-schema = シナリオファイルの JSON Schema (エディタ用: `ecsnet schema > ecsnet.schema.json`)
help-schema-expect = シナリオの代わりに期待値ファイル (`ecsnet test SCENARIO --expect FILE`) の JSON Schema
help-logs = コンテナのプログラムの出力 (`docker logs`)、またはラボのエージェントのログ: ecsnet logs LAB task/web [-f]
# 各コマンドのオプションの説明 (help-コマンド-オプション、全体のものは help-arg-オプション)
help-arg-verbose = ログを増やします (-v: 段階ごとの所要時間と情報、-vv: デバッグ)
help-up-name = ラボの名前をシナリオの `name:` ではなく NAME にします
help-up-prefix = ラボの名前を PREFIX-NAME にします (NAME はシナリオの `name:`)。例: 利用者ごとに 1 つのプレフィックス
help-down-all = 自分 (sudo の前の利用者) のラボすべてと、状態が失われて持ち主のわからない残骸
help-down-everyone = --all と一緒に: ほかの利用者のラボも
help-down-owner = このプロセス (PID:開始時刻) が作ったラボだけ: 中断した実行がラボをバックグラウンドの `down` に引き継ぐときに、同じ名前の新しいラボを消さないためのものです
help-test-junit = JUnit XML をここに書きます
help-test-json = 結果を表ではなく JSON で出力します
help-test-markdown = Markdown の要約 (シナリオごとの表と Mermaid の構成図) をここに書きます。GitHub Actions ではジョブの要約にも追記します
help-test-name = ラボの名前をシナリオの `name:` ではなく NAME にします (シナリオが 1 つのときだけ)
help-test-shard = N 個のシャードのうち I 番目 (1 <= I <= N) のシナリオだけを実行します。ファイル名でソートした順に順番に割り振るので、N 台の CI ランナーで 1 つのスイートを分担できます (GitLab: $CI_NODE_INDEX/$CI_NODE_TOTAL)
help-test-jobs = 最大 N 個のシナリオを同時に、それぞれ別のプロセスで実行します (ラボは別々。報告は 1 つで、ファイルの順に並びます)
help-test-one_report = 指定した 1 つのシナリオを実行し、その報告を 1 行の JSON で出力します。`--jobs` はシナリオごとにこれを実行します (マシンの確認、表とファイルの出力は親プロセスが行います)
help-test-prefix = 各ラボの名前を PREFIX-NAME にします (NAME はそのシナリオの `name:`)。例: CI のジョブごとに 1 つのプレフィックス
help-probe-timeout_ms = プローブが待つ時間 (1〜60000 ms)
help-probe-via = hostPort または publicHostPort
help-ls-lab = 1 つのラボ: `up` が表示したノードとアドレスをもう一度表示します
help-explain-target = 起動中のラボの名前、またはシナリオファイル (何も構築しません)
help-explain-via = hostPort または publicHostPort
help-explain-protocol = tcp、udp、http、icmp、または https (TLS 上の HTTP。ロードバランサーの HTTPS リスナーへ)
help-explain-dns = 代わりに DNS 名を説明します: FROM のリゾルバーがその名前に何と答えるか、そしてその理由
help-explain-server = --dns と一緒に: 問い合わせるリゾルバー (既定: FROM の resolv.conf の最初の nameserver)
help-explain-start = FROM の起動を説明します。task/NAME: コンテナを動かす前に ECS エージェントが AWS に行う各呼び出し (シークレット、イメージの pull、ログストリーム)、インスタンスからの経路、最初に失敗したものと ECS のエラー。instance/NAME: そのエージェントのクラスターへの参加 (ecs、ACS、TCS) とエージェントのログ
help-graph-target = シナリオファイル、または起動中のラボの名前
help-graph-format = mermaid、dot、svg、png、html (1 つで完結するページ: 箱をクリックするとその中身、判定の番号をクリックするとその explain)
help-graph-results = `ecsnet test --json` の出力
help-graph-output = 標準出力ではなくここに書きます
help-graph-size = PNG のみ: 構成図を 幅x高さ ピクセルに収めます (プロジェクターなら 1280x720)
help-ps-instance = このインスタンスだけ (見出し行なし)
help-ps-format = table または json (`docker ps --format json` と同じく 1 行に 1 オブジェクト)
help-inspect-instance = このインスタンスだけを探します (どのインスタンスにも `ecs-agent` があります)
help-logs-node = task/NAME[/CONTAINER]、コンテナ ID または名前、`agent`、instance/NAME
help-logs-follow = Ctrl-C までログを追い続けます
help-exec = ノードの名前空間でコマンドを実行します: ecsnet exec LAB task/web -- ip addr

# Environment: this machine cannot run labs (exit 3)
env-not-root = ネットワーク名前空間を作るには root 権限が必要です。sudo で実行してください (例: `sudo ecsnet up FILE`)
env-nft-missing = `nft` コマンド (nftables パッケージ) がありません。`sudo scripts/setup.sh` か `sudo apt-get install -y nftables` でインストールしてください
env-no-netns = このカーネルはネットワーク名前空間 (CONFIG_NET_NS) に対応していません
env-missing-caps = ecsnet は root で動いていますが { $caps } がありません (名前空間、マウント、リンクの作成に必要です)。コンテナ内なら `docker run --privileged ...` で起動してください
list-and = {" と "}
env-proc-sys-read-only = ここでは /proc/sys が読み取り専用です (--privileged なしで起動したコンテナでは?)。各ラボの名前空間の sysctl はここに書き込みます。コンテナを `docker run --privileged ...` で起動してください
runtime-failed = ecsnet: ランタイムを起動できません: { $error }

# Labs: names, not up, locks, already up
lab-name-rule = { $error } (ラボ名は英小文字、数字、'-' の 1-20 文字で、'-' で始まったり終わったりできません)
lab-name-rule-option = { $option }: { $error } (ラボ名は英小文字、数字、'-' の 1-20 文字で、'-' で始まったり終わったりできません)
lab-name-empty = ラボ名が空です
lab-name-bad-path = ラボ名 `{ $name }` は無効です: `/`、`..`、NUL は使えません (ファイル名と名前空間名の一部になります)
lab-name-too-long = ラボ名 `{ $name }` は無効です: 20 文字までです
lab-name-bad-letters = ラボ名 `{ $name }` は無効です: 英小文字、数字、'-' だけを使ってください
lab-name-dash = ラボ名 `{ $name }` は無効です: '-' で始めたり終えたりできません
lab-name-help = ラボ名は [a-z0-9-] の 1-20 文字で、'-' で始まったり終わったりできません。例: `{ $example }`
lab-not-up = 起動中のラボ `{ $lab }` はありません (`ecsnet ls` で確認できます)
lab-holder-process = プロセス { $pid }
lab-holder-unknown = 別の ecsnet
lab-busy-waiting = ラボ { $lab } は使用中です ({ $who } が構築・変更・削除しています)。待っています
lab-busy-stopped = ラボ { $lab } は使用中です: { $who } が作業中のまま停止しています (Ctrl-Z?)。`kill -CONT { $pid }` で続けさせるか、`kill { $pid }` で終了させてください
lab-still-busy = ラボ { $lab } は { $seconds } 秒待っても使用中です: { $who } が作業しています
lab-lock-interrupted = ラボのロックを待っている間に中断されました

# up
up-failed = up に失敗しました: { $error }
up-already-up = ラボ `{ $lab }` はすでに起動しています (先に `ecsnet down { $lab }` を実行するか、別の名前にしてください)
up-interrupted-during = { $phase } の途中で中断されました。それまでに作ったものはすべて削除しました
up-internal-error = 内部エラーです (ecsnet のバグです。報告をお願いします): { $error }。それまでに作ったものはすべて削除しました
up-rolling-back = ラボ { $lab } の up に失敗しました。ロールバックしています
up-interrupted-removed = 中断されました。構築したものはすべて削除しました
up-done = { $ms } ms で起動しました (カーネルオブジェクト { $objects } 個)。次を試してください: ecsnet ps { $lab } | ecsnet exec { $lab } instance/{ $instance } -- ip -4 addr | ecsnet down { $lab }

# The lab's summary (up, ls LAB)
summary-aws = aws: { $region } の公開エンドポイント (ECR、S3、STS、Logs など) はインターネット側の { $net } にあり、ラボの CA が署名した HTTPS で答えます
summary-private-dns-on = プライベート DNS あり
summary-private-dns-off = プライベート DNS なし
summary-endpoint-interface = endpoint/{ $name } { $id } { $service } (インターフェイス、{ $dns }): { $enis }
summary-endpoint-gateway = endpoint/{ $name } { $id } { $service } (ゲートウェイ): ルートテーブル { $tables } に { $prefix }
summary-dns = dns: Amazon 提供の DNS は { $ip } と 169.254.169.253 (DNS ホスト名 { $hostnames })。nameserver { $servers }、search { $search }
summary-dns-off = dns: enableDnsSupport がオフです。{ $ip } では何も答えません (nameserver { $servers })
summary-lab = ラボ { $lab } ({ $region }、VPC { $cidr })
summary-instance = instance/{ $name }  { $ip } (サブネット { $subnet }){ $public }
summary-public-ip = 、パブリック IP { $ip }
summary-not-placed = 配置されていません: { $reason }
summary-eni = ENI { $id } { $ip } (サブネット { $subnet })
summary-host-network = ホストのネットワーク
summary-no-network = ネットワークなし (lo のみ)

# down
down-name-a-lab = ラボ名を指定するか (`ecsnet ls` で確認できます)、--all を付けてください
down-left-alone = { $lab }: 削除しませんでした: { $why }
down-skipped = 警告: { $lab }: { $what } はスキップしました
down-not-a-lab-name = `{ $lab }` はラボ名ではありません
down-skipped-lock = ラボのロック ({ $error })
down-built-since = その後に別の実行が構築しています ({ $owner })
down-another-user = 別のユーザー (uid { $uid }) のラボです。--everyone を付けるとそれも削除します
down-foreign-namespace = 名前空間 `{ $ns }`: ラボ { $lab } のものではありません
down-foreign-process = プロセス { $pid } ({ $role }): ラボ { $lab } のものではありません (開始時刻か所有者が違います)
down-done = { $lab }: 名前空間を { $namespaces } 個削除し、プロセスを { $processes } 個停止しました

# Interrupts (Ctrl-C) and internal errors
interrupt-first = ecsnet: 中断されました。後片付けをしています (あと 2 回 Ctrl-C を押すとバックグラウンドに任せます)
interrupt-second = ecsnet: まだ後片付けをしています (もう一度 Ctrl-C を押すとバックグラウンドの `ecsnet down` に任せます)
interrupt-exiting = ecsnet: 終了します。`ecsnet down` がバックグラウンドで後片付けを続けます: { $labs }
internal-error-removed = ecsnet: 内部エラーです (ecsnet のバグです。報告をお願いします)。ラボ { $lab } は削除しました
internal-error-remove-failed = ecsnet: 内部エラーです。ラボ { $lab } の削除に失敗しました: { $errors }

# Nodes named on the command line (exit 2)
node-unknown-instance = ラボ { $lab } にインスタンス `{ $name }` はありません
node-unknown-task = ラボ { $lab } にタスク `{ $name }` はありません
node-unknown-container = タスク { $task } にコンテナ `{ $name }` はありません
node-unknown-nat = ラボ { $lab } に NAT ゲートウェイ `{ $name }` はありません
node-unknown-internet-host = ラボ { $lab } にインターネット上のホスト `{ $name }` はありません
node-did-you-mean = 。もしかして `{ $name }` ですか?
node-it-has = 。あるのは { $names } です
cli-unknown-protocol = 不明なプロトコル `{ $value }` です (tcp、udp、http、icmp のいずれか)
cli-unknown-via = 不明な via `{ $value }` です (hostPort か publicHostPort)
cli-or-give-file = { $error } (またはシナリオファイルを指定してください)

# Endpoints (FROM and TO on the command line, `from:` and `to:` in a scenario)
endpoint-forms = `internet`、`internet/NAME`、`instance/NAME`、`instance/NAME@public`、`task/NAME`、`task/NAME/CONTAINER`、`service/NAME`、`nat/NAME`、`aws/SERVICE`、`endpoint/NAME`、`alb/NAME`、`nlb/NAME`、`metadata`、`imds`、`dns`、IPv4 アドレス、DNS 名 (後ろに `:PORT` を付けられます)
endpoint-empty = エンドポイントが空です。{ $forms } のいずれかを指定します
endpoint-blanks = エンドポイント `{ $node }` に空白が含まれています。{ $forms } のいずれかを指定します
endpoint-bad-port = `{ $node }` のポート `{ $port }` は無効です: ポートは 1 から 65535 の数です
endpoint-did-you-mean = {" "}(もしかして `{ $name }` ですか?)
endpoint-did-you-mean-kind = {" "}(もしかして `{ $name }/...` ですか?)
endpoint-not-ipv4 = {" "}(有効な IPv4 アドレスではありません)
endpoint-unknown = 不明なエンドポイント `{ $node }` です{ $hint }。{ $forms } のいずれかを指定します
endpoint-unknown-aws = `{ $node }` の AWS サービス `{ $name }` は知りません{ $hint }。ecsnet が提供するのは { $services } です
endpoint-unknown-kind = `{ $node }` のエンドポイントの種類 `{ $kind }` は不明です{ $hint }。{ $forms } のいずれかを指定します
endpoint-bad-name = `{ $node }` の { $kind } 名 `{ $name }` は無効です: 名前には英小文字、数字、'-' だけを使います (1-40 文字)
endpoint-unknown-address = `{ $node }` のアドレス `@{ $address }` は不明です: 使えるのは `instance/NAME@public` だけです
endpoint-bad-container = `{ $node }` のコンテナ名 `{ $name }` は無効です: コンテナ名には英字、数字、'-'、'_' を使います (1-255 文字)
endpoint-no-port = `{ $node }` にはポートを付けられません

# validate
validate-ok = { $file }: OK (ラボ { $lab }、インスタンス { $instances } 個、タスク { $tasks } 個{ $unplaced }、期待値 { $expectations } 個)
validate-not-placed = 、うち配置されなかったもの { $count } 個

# test and check
test-name-one-lab = --name が名付けるラボは 1 つですが、指定したパスにはシナリオが { $count } 個あります。代わりに --prefix を使ってください
test-expect-one-scenario = --expect は 1 つのシナリオに期待値を加えるものですが、指定したパスにはシナリオが { $count } 個あります
validate-expect-one-scenario = --expect は 1 つのシナリオに期待値を加えるものですが、ファイルが { $count } 個指定されています
test-cannot-write = ecsnet: { $path } に書き込めません: { $error }
test-probing-failed = プローブに失敗しました: { $error }
test-teardown-failed = 後片付け (down) に失敗しました: { $errors }
test-summary = シナリオ { $scenarios } 個: 成功 { $passed }、失敗 { $failed }{ $errors }
test-summary-errors = 、エラー { $count }
test-bad-shard = --shard `{ $value }`: I/N の形で、N 個のうちこのランナーが受け持つシャード I を指定します (1 <= I <= N。GitLab では $CI_NODE_INDEX/$CI_NODE_TOTAL)。例: 2/3
test-one-report-one-file = --one-report が実行するシナリオは 1 つですが、指定したパスには { $count } 個あります
test-jobs-same-lab = --jobs { $jobs }: { $first } と { $second } はどちらもラボ { $lab } を名付けていて、同じラボを同時に 2 つ作ることはできません。シナリオごとに別の `name:` を付けるか、--jobs 1 で実行してください
test-jobs-cannot-start = このシナリオを実行するプロセスを起動できません: { $error }
test-jobs-no-report = このシナリオを実行したプロセスが報告を残さずに終了しました ({ $status })
test-shard-empty = シャード { $shard } にはシナリオがありません (指定したパスには { $count } 個): 実行するものはありません
check-no-expectations = ラボ `{ $lab }` には保存された期待値がありません ({ $path }: { $error })

# The test/check table (column headers, ok/FAIL and outcomes stay in English)
report-error = エラー
report-mismatch = モデルとデータプレーンの不一致が { $count } 件あります: ecsnet のバグです。このシナリオを添えて報告をお願いします
report-counts = 成功 { $passed }、失敗 { $failed } (up { $up } ms、プローブ { $probes } ms、down { $down } ms)

# probe and explain
probe-result = { $from } -> { $to } ({ $target }/{ $protocol }): { $outcome } ({ $ms } ms){ $detail }
probe-served-by = 応答したのは { $node } です (宛先 { $local }、見えた送信元 { $peer })
probe-unreachable = 到達できません: { $reason }
probe-interrupted = プローブ中に中断されました。実行中のプローブは破棄しました
probe-interrupted-one = 中断されました。プローブは破棄しました
explain-header = ラボ { $lab } の { $from } -> { $to }/{ $protocol }

# exec, logs, inspect, ps, graph
exec-no-task = タスク `{ $task }` はありません
exec-task-not-placed = タスク `{ $task }` は配置されていません ({ $reason })
exec-no-container = タスク `{ $task }` にコンテナ `{ $container }` はありません
exec-task-no-container = タスクにコンテナがありません
exec-no-such-container = タスク `{ $task }` にそのコンテナはありません
exec-no-internet-host = インターネット上のホスト `{ $host }` はありません
exec-no-igw = この VPC にはインターネットゲートウェイがありません
exec-no-instance = インスタンス `{ $name }` はありません
exec-no-nat = NAT ゲートウェイ `{ $name }` はありません
exec-bad-node = ノード `{ $node }` は正しくありません
exec-unknown-node-why = 不明なノード `{ $node }` です ({ $error })。instance/NAME、task/NAME[/CONTAINER]、コンテナの ID か名前、internet[/NAME]、nat/NAME、vpc、igw のいずれかを指定してください
exec-unknown-node = 不明なノード `{ $node }` です。instance/NAME、task/NAME[/CONTAINER]、コンテナの ID か名前、internet[/NAME]、nat/NAME、vpc、igw のいずれかを指定してください
logs-built-in-responder = { $container } は ecsnet 組み込みの応答プログラムを実行しています (`x-ecsnet.command` なし)。そのログはラボのエージェントに出ます: `ecsnet logs { $lab } agent`
inspect-ambiguous = `{ $what }` に一致するコンテナが { $count } 個あります。ID の先頭をもっと長く指定してください
inspect-ambiguous-instance = `{ $what }` に一致するコンテナが { $count } 個あります。ID の先頭をもっと長く指定するか、--instance NAME を付けてください
inspect-no-node = ラボ { $lab } に `{ $what }` にあたるコンテナはありません (`ecsnet ps { $lab }` で確認できます)
inspect-short-id = `{ $what }`: コンテナ ID は 3 文字以上指定してください
inspect-no-container = ラボ { $lab } にコンテナ `{ $what }` はありません (`ecsnet ps { $lab }` で確認できます)
ps-no-instance = ラボ { $lab } にインスタンス `{ $name }` はありません (あるのは { $instances })
inspect-no-instance = ラボ { $lab } にインスタンス `{ $name }` はありません
ps-unknown-format = 不明な形式 `{ $format }` です (table か json)
graph-unknown-format = 不明な形式 `{ $format }` です (mermaid、dot、svg、png、html のいずれか)
graph-bad-size = --size `{ $size }`: 幅x高さをピクセルで、それぞれ 1 から { $max } の範囲で指定します (例: 1280x720)
graph-png-no-font = ecsnet: このマシンには日本語フォントがありません (例: apt install fonts-ipafont-gothic)。PNG の凡例は英語で描きます
# 構成図の凡例とパネルの見出し (AWS の名前はそのまま)
picture-internet = インターネット
picture-gateway = ゲートウェイ / ルーター
picture-vpc = VPC
picture-az = アベイラビリティーゾーン
picture-public-subnet = パブリックサブネット
picture-private-subnet = プライベートサブネット
picture-instance = インスタンス
picture-bridge = ブリッジ / ネットワーク
picture-task = タスク
picture-container = コンテナ
picture-not-placed = 配置・起動できなかったタスク
picture-endpoint = VPC エンドポイント
picture-security-group = セキュリティグループ
picture-verdict-ok = 判定 OK
picture-verdict-failed = 判定 失敗
picture-blocked = 想定どおり遮断
picture-dnat = DNAT の経路
picture-verdicts = 判定
picture-security-groups = セキュリティグループ
graph-png-terminal = PNG は端末には出力できません: -o FILE.png を指定するか、リダイレクトします

# A lab changed from outside (exit 3, no verdict)
damage-summary = ラボが壊れていて、`up` が構築したときの状態ではありません: { $problems }。判定はしていません。`ecsnet down` と `ecsnet up` で作り直してください
damage-more = ほか { $count } 件
damage-up-unfinished = `up` が最後まで終わっていません (中断されたか強制終了されました)。`ecsnet down` で削除してください
damage-namespace-gone = 名前空間 { $ns } がなくなっています
damage-links-error = リンク: { $error }
damage-link-down = { $ns } のリンク { $link } がダウンしています
damage-link-gone = { $ns } のリンク { $link } がなくなっています
damage-link-error = { $ns } のリンク { $link }: { $error }
damage-rule-count = { $ns } のテーブル inet ecsnet のルールは { $found } 個です (読み込んだのは { $loaded } 個)
damage-table-gone = { $ns } のテーブル inet ecsnet がなくなっています
damage-table-error = { $ns } のテーブル inet ecsnet: { $error }
damage-ruleset-error = { $ns } のルールセット: { $error }
damage-program-ended = { $role } (pid { $pid }) が動いていません。プログラムが終了したか強制終了されました{ $last_words } (ログ: { $log })
damage-last-words = 。最後の出力: { $line }
damage-process-gone = { $role } (pid { $pid }) が動いていません

# Expectations (`expect:`)
expect-both-kinds = 期待値は到達性のチェック (from、to、reachable) か配置のチェック (task、placed) のどちらかで、両方にはできません
expect-both-kinds-help = 2 つの要素に分けます
expect-not-pattern = `{ $value }` はノードのパターンではありません
expect-not-pattern-help = `internet`、`task/*`、`instance/web-*` のように書きます
expect-reason-needs-unplaced = `reason` は `placed: false` のときだけ使います
expect-reason-needs-unplaced-help = `reason` を削除するか、`placed: false` を期待します
expect-write-just = `{ $value }` とだけ書きます
expect-not-source = `{ $node }` はプローブの送信元にできません: { $why }
expect-sources = プローブの送信元は `internet`、`internet/NAME`、`instance/NAME`、`task/NAME`、`task/NAME/CONTAINER` のいずれかです
expect-dest-public = インスタンスのパブリックアドレスは宛先にしかできません
expect-dest-nat = NAT ゲートウェイは宛先にしかできません
expect-dest-metadata = タスクメタデータエンドポイントは宛先にしかできません
expect-dns-bad-name = `{ $name }` は DNS 名ではありません
expect-dns-bad-name-help = ip-10-0-1-5.ec2.internal や api.ecr.us-east-1.amazonaws.com のような名前を書きます
expect-dns-bad-answer = `resolvesTo: { $value }` は ecsnet が知らない答えです
expect-dns-bad-answer-help = アドレス (10.0.1.5) かそのリスト、ノード (instance/NAME、instance/NAME@public、task/NAME、aws/SERVICE、endpoint/NAME)、public、private、NXDOMAIN、timeout のどれかを書きます
expect-dest-aws = AWS サービスのエンドポイントは宛先にしかなれません
expect-dest-dns = VPC の DNS サーバーは宛先にしかなれません
expect-dest-imds = インスタンスメタデータサービスは宛先にしかできません
expect-dest-ip = IP アドレスは宛先にしかできません
expect-dest-name = DNS 名は宛先にしかできません
expect-seen-as-name = `sourceSeenAs` にはノードかアドレスを書きます。DNS 名 `{ $name }` は書けません
expect-seen-as-name-help = 応答側から見えるはずのノードを書きます (例: `nat/NAME`、`instance/NAME`)
expect-port-belongs-to-to = `{ $value }` とだけ書きます。ポートは `to` に付けます
expect-path-needs-http = `path` は `protocol: http` のときだけ使います
expect-path-needs-http-help = `protocol: http` を追加するか、`path` を削除します
expect-bad-path = HTTP のパス `{ $path }` は無効です
expect-bad-path-help = パスは `/` で始まり、空白を含みません。例: `/health`
expect-icmp-port = icmp にはポートがありませんが、`to` に :{ $port } が付いています
expect-needs-port = `to` にはポートが必要です: `{ $node }:PORT`
expect-needs-port-help = 宛先にはポートを付けます (例: `task/web:3000`)。ポートが要らないのは `protocol: icmp` と `metadata` だけです
expect-reachable-true-goes-with = `reachable: true` には `result: connected` を組み合わせます
expect-reachable-false-goes-with = `reachable: false` には `result: refused` か `result: timeout` を組み合わせます
expect-contradiction = `result: { $result }` は `reachable: { $reachable }` と矛盾しています
expect-needs-reachable = `{ $field }` には `reachable: true` が必要です
expect-needs-reachable-help = 到達しないプローブには誰も応答しません。`{ $field }` を削除します
expect-its-containers = このタスクのコンテナ: { $names }
expect-no-container = タスク `{ $task }` にコンテナ `{ $container }` はありません (タスク定義 `{ $family }:{ $revision }`)

# Tasks (`tasks:`); AWS's own error texts are quoted as AWS writes them
task-bad-revision = `{ $value }` のタスク定義のリビジョン `{ $revision }` は無効です
task-bad-family = タスク定義のファミリー `{ $family }` は無効です: 英字、数字、ハイフン、アンダースコアを 255 文字まで使えます
task-family-help = ファミリー名か family:revision を書きます。例: `web`、`web:2`
task-no-subnets = `subnets` にはサブネットを 1 つ以上指定します
task-no-subnets-help = 例: `subnets: [private-a]`
task-assign-public-ip-help = EC2 インスタンス上では、ECS はタスクの ENI にパブリック IP を付けません。送信には、ルートテーブルが 0.0.0.0/0 を NAT ゲートウェイに送るプライベートサブネットにタスクを置きます。受信には、`publicIp: true` のインスタンスで bridge モードか host モードを使います
task-port-taken = { $who } は { $port }/{ $proto } で待ち受けますが、そこではすでに { $first } が待ち受けています: 後の方はバインドできません
task-port-taken-help = `x-ecsnet.listen` で別のポートを選ぶか、タスクを別のインスタンスに移します
task-def-not-found = タスク定義 `{ $family }:{ $revision }` が見つかりません
task-def-revisions = ファミリー `{ $family }` のリビジョン: { $revisions }
task-needs-netconf-help = タスク定義 `{ $family }:{ $revision }` は networkMode=awsvpc です。`networkConfiguration: {"{"} awsvpcConfiguration: {"{"} subnets: [SUBNET] {"}"} {"}"}` を追加します
task-netconf-not-awsvpc = networkConfiguration は awsvpc のタスクにしか使えません。タスク定義 `{ $family }:{ $revision }` は networkMode={ $mode } です
task-netconf-not-awsvpc-help = `networkConfiguration` を削除します (ECS はこれを拒否します: "Network Configuration is not valid for the given networkMode of this task definition.")

# Scenario files: what is wrong, how to fix it (validate, exit 2). { $what } and { $kind } name the
# block in English ("a subnet"), as the field names are English.
scenario-not-mapping = `{ $field }` はマッピング ({ $what }) でなければなりませんが、{ $found } になっています
scenario-not-mapping-help = `key: value` の組をフィールドの下にインデントして書くか、`{"{"} key: value, ... {"}"}` と書きます
scenario-entry-not-mapping = `{ $field }` の各要素はマッピング ({ $what }) でなければなりませんが、{ $found } になっています
scenario-write-entry-like = `- { $example }` のように書きます
scenario-not-list = `{ $field }` はリストでなければなりませんが、{ $found } になっています
scenario-not-list-help = YAML のリストで書きます: `{ $field }: [a, b]` か、1 行に 1 つずつ `- item`
scenario-too-many-entries = `{ $field }` の要素が多すぎます: { $count } 個 (ecsnet の上限は { $limit } 個)
scenario-split-file = シナリオを複数のファイルに分けます
scenario-not-string = `{ $field }` は文字列でなければなりませんが、{ $found } になっています
scenario-not-string-help = フィールドと同じ行に値を 1 つ書きます
scenario-empty = `{ $field }` は空にできません
scenario-not-number = `{ $field }` は整数でなければなりませんが、{ $found } になっています
scenario-number-help = { $min } から { $max } までの数を書きます
scenario-out-of-range = `{ $field }` が範囲外です: `{ $value }` は { $min } から { $max } の間にありません
scenario-quoted-boolean = `{ $field }` は真偽値でなければなりませんが、引用符付きの文字列 "{ $value }" になっています
scenario-quoted-boolean-help = 引用符を外します: `{ $field }: { $value }`
scenario-not-boolean = `{ $field }` は true か false でなければなりませんが、{ $found } になっています
scenario-not-boolean-help = `{ $field }: true` か `{ $field }: false` と書きます
scenario-did-you-mean = もしかして `{ $name }` ですか?
scenario-did-you-mean-camel = もしかして `{ $name }` ですか? (フィールド名は ECS API と同じキャメルケースです)
scenario-use-one-of = { $choices } のいずれかを使います
scenario-invalid-choice = `{ $field }` の値 `{ $value }` は無効です ({ $choices } のいずれか)
scenario-not-ipv4 = `{ $field }` は IPv4 アドレスでなければなりませんが、`{ $value }` になっています
scenario-not-ipv4-help = `10.0.1.25` のように 4 つの 10 進数で書きます
scenario-not-port-range = `{ $field }` はポート番号か 8000-8010 のような範囲でなければなりませんが、{ $found } になっています
scenario-not-port-range-help = `ports: 443` か `ports: 8000-8010` と書きます (from <= to、それぞれ 0-65535)
scenario-range-backwards = `{ $field }`: 範囲 { $from }-{ $to } が逆順です
scenario-range-backwards-help = `{ $to }-{ $from }` と書きます
scenario-not-port-proto = `{ $field }` の要素は `443/tcp` や `53/udp` の形でなければなりませんが、`{ $value }` になっています
scenario-not-port-proto-help = ポート/プロトコル (ポートは 1-65535、プロトコルは tcp か udp) と書きます。数だけなら tcp です
scenario-unknown-reference = 不明な { $kind } `{ $name }` です
scenario-none-declared = { $kinds } は 1 つも宣言されていません
scenario-declared = 宣言されている { $kinds }: { $names }
scenario-valid-fields = { $what } で使えるフィールド: { $fields }
scenario-unknown-field = { $what } に不明なフィールド `{ $field }` があります
scenario-no-value = `{ $field }` に値がありません
scenario-no-value-help = `{ $field }: { $example }` のように書きます
scenario-missing-field = { $what } に必須のフィールド `{ $field }` がありません
scenario-missing-field-help = `{ $field }: { $example }` を追加します
scenario-an-empty-value = 空の値
scenario-a-list = リスト
scenario-a-mapping = マッピング
scenario-invalid-name = { $kind } の名前 `{ $name }` は無効です: 名前には英小文字、数字、'-' だけを使います (1-40 文字)
scenario-for-example = 例: `{ $example }`
scenario-duplicate-name = { $kind } の名前 `{ $name }` が重複しています
scenario-duplicate-name-help = `{ $name }` という { $kind } は { $line } 行 { $col } 列ですでに宣言されています。どちらかの名前を変えます
cidr-is-address = `{ $value }` はアドレスで、CIDR ブロックではありません
cidr-is-address-help = この 1 つのアドレスなら `{ $value }/32` と書きます
cidr-not-cidr = `{ $value }` は CIDR ブロックではありません
cidr-bad-prefix = `{ $value }` は CIDR ブロックではありません: プレフィックス長は 0-32 です
cidr-host-bits = `{ $value }` は有効な CIDR ブロックではありません: /{ $len } のプレフィックスより後ろのビットが立っています
cidr-help = `10.0.0.0/16` のように書きます

# Container definitions (`containerDefinitions:`); { $what } names the field in English
container-invalid-name = { $what } `{ $name }` は無効です
container-name-rules = 英字 (大文字と小文字)、数字、ハイフン、アンダースコアを 255 文字まで使えます
container-secret-value-from = シークレット `{ $arn }` は Secrets Manager のシークレットでも SSM のパラメータでもありません
container-secret-value-from-help = arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME、arn:aws:ssm:REGION:ACCOUNT:parameter/NAME、またはパラメータ名を書いてください
container-none-port-mappings = networkMode=none ではポートマッピングを指定できません: タスクのコンテナは外部に接続できません
container-none-port-mappings-help = `portMappings` を削除するか、別の networkMode を使います
container-port-mapped-twice = コンテナポート { $port }/{ $proto } がこのコンテナで 2 回マッピングされています (最初は { $line } 行目)
container-port-mapped-twice-help = ポートマッピングはコンテナポートとプロトコルの組ごとに 1 つにします
container-port-range = `containerPortRange` は ecsnet では使えません
container-port-range-help = ポートを 1 つずつ別の要素として書きます: `- {"{"} containerPort: 8000 {"}"}`
container-command-empty = `command` が空です
container-command-empty-help = プログラムと引数を書きます。例: ["python3", "-m", "http.server", "3000"]
container-program-empty = `command` のプログラムが空です
container-program-empty-help = 最初にプログラムを書きます。例: ["python3", "-m", "http.server"]
container-command-nul = この `command` の要素には NUL バイトがあります。プログラムにも引数にも NUL は入れられません
container-command-nul-help = 要素から \0 (または \u0000) を削除します
container-duplicate-name = コンテナ名 `{ $name }` が重複しています (最初は { $line } 行目)
container-duplicate-name-help = コンテナ名はタスク定義の中で一意にします
container-links-bridge-only = 削除します: links は networkMode=bridge でしか使えません
container-not-supported = networkMode={ $mode } では `{ $field }` は使えません
container-awsvpc-host-port-help = `hostPort` を削除するか { $port } にします: awsvpc のタスクには、タスク自身の ENI のコンテナポートで到達します
container-host-host-port-help = `hostPort` を削除するか { $port } にします: host モードではコンテナはインスタンス自身のポートで待ち受けます (動的ポートマッピングは使えません)
container-awsvpc-shared-netns = 削除します: awsvpc のタスクのコンテナはタスクのネットワーク名前空間 (その ENI) を共有しており、Docker はそこでコンテナごとに hostname、links、DNS の設定、extra hosts を設定できません
container-no-other = このタスク定義にはほかのコンテナがありません
container-others = ほかのコンテナ: { $names }
container-bad-link = link `{ $link }` はこのタスク定義のほかのコンテナを指していません
container-bad-link-help = `name` か `name:alias` と書きます。{ $help }

# Task definitions (`taskDefinitions:`); ECS's "Invalid 'cpu' setting for task." stays as ECS writes it
taskdef-file-entry-family = `file:` の要素にはパスだけを書きます。タスク定義のフィールドは JSON ファイルに書きます
taskdef-file-entry-revision = `file:` の要素にはパスだけを書きます。`revision` は JSON ファイルに書きます
taskdef-file-nul = ファイル名に NUL 文字があります
taskdef-declared-twice = タスク定義 `{ $family }:{ $revision }` が 2 回宣言されています
taskdef-declared-twice-help = `{ $family }` のリビジョン { $revision } は { $first } ですでに宣言されています。どちらかを削除するか `revision` を変えます
taskdef-cpu-help = 128 から 196608 までの CPU ユニット (`256`) か vCPU (`0.25 vCPU`) で書きます
taskdef-memory-help = MiB (`512`) か GB (`1 GB`) で書きます
taskdef-requires = このタスク定義は { $compatibilities } を必要としますが、ecsnet はタスクを EC2 と FARGATE の起動タイプで実行します
taskdef-requires-help = requiresCompatibilities に "EC2" か "FARGATE" を加えるか、このフィールドを削除します
taskdef-fargate-help = Fargate には networkMode awsvpc と Fargate のタスクサイズのいずれかが必要です。例: `cpu: 256` には `memory: 512`、1024、2048、`cpu: 1024` には 2048 から 8192
taskdef-fargate-role-help = `executionRoleArn` を加えます (例: arn:aws:iam::123456789012:role/ecsTaskExecutionRole): Fargate にはインスタンスロールがありません
task-fargate-instance = FARGATE タスクはコンテナインスタンス上では実行されません
task-fargate-instance-help = `instance` を削除します: Fargate は各タスクを専用の microVM で、そのサブネットの最初のものに実行します。または `launchType: EC2` にします
task-platform-ec2-help = `platformVersion` を削除するか、`launchType: FARGATE` にします
task-platform-older = プラットフォームバージョン { $version } は Fargate 所有のネットワークインターフェイスを通じてイメージを取得します: ecsnet はタスク ENI がすべての取得を運ぶ 1.4.0 をエミュレートします
task-platform-help = `platformVersion: LATEST` (1.4.0) と書くか、削除します
task-fargate-incompatible-help = タスク定義 `{ $family }:{ $revision }` を `requiresCompatibilities: [FARGATE]`、`networkMode: awsvpc`、Fargate の `cpu`/`memory` の組で登録します
taskdef-no-containers = `containerDefinitions` が空です
taskdef-no-containers-help = タスク定義にはコンテナが 1 つ以上必要です
taskdef-too-many-containers = コンテナが多すぎます: { $count } 個 (AWS ではタスク定義あたり { $max } 個まで)
taskdef-split = タスク定義を分けます

# Container instances (`instances:`), their ECS agent settings (`ecsAgent:`)
instance-invalid-profile = インスタンスプロファイル `{ $name }` は無効です
instance-profile-help = 名前 (英数字と +=,.@_-。例: ecsInstanceRole) か ARN arn:aws:iam::123456789012:instance-profile/NAME を書きます
instance-type-did-you-mean = もしかして `{ $name }` ですか? (ほかのタイプなら `maxEnis: N` で ENI の数を指定します)
instance-known-types = ecsnet が知っているタイプ: { $types }。ほかのタイプなら `maxEnis: N` を指定します
instance-unknown-type = 不明なインスタンスタイプ `{ $name }` です: ecsnet はその ENI の上限を知りません
instance-no-trunking = { $name } は ENI トランキングをサポートしていません
instance-no-trunking-help = `eniTrunking` を削除するか、サポートしているタイプを使います (例: c5.large はトランキングでタスク 10 個)
instance-ip-taken = プライベート IP { $ip } はすでにインスタンス `{ $other }` が使っています
instance-ip-taken-help = インスタンスごとに別のアドレスが必要です。どちらかを変えるか、`privateIp` を省いて空いているアドレスを使います
instance-ip-outside = プライベート IP { $ip } はサブネット `{ $subnet }` ({ $cidr }) の中にありません
instance-ip-outside-help = { $cidr } の中のアドレスを使うか、`privateIp` を省いて最初の空いているアドレスを使います
instance-ip-network = ネットワークアドレス
instance-ip-router = AWS が VPC ルーター用に予約しているアドレス
instance-ip-dns = AWS が DNS サーバー用に予約しているアドレス
instance-ip-future = AWS が将来の利用のために予約しているアドレス
instance-ip-broadcast = ネットワークブロードキャストアドレス (AWS は VPC でブロードキャストをサポートしていません)
instance-ip-reserved = プライベート IP { $ip } はサブネット `{ $subnet }` ({ $cidr }) で予約されています: { $why }です。AWS はどのサブネットでも最初の 4 つと最後の 1 つのアドレスを予約しています
instance-ip-reserved-help = { $first } から { $last } までのアドレスを使います
agent-not-port-list = `{ $field }` はポートのリストでなければなりませんが、`{ $value }` になっています
agent-port-list-help = リストで書きます: `{ $field }: [22, 2375, 2376, 51678, 51679]`
agent-port-range-help = 1 <= start <= end <= 65535 の `start-end` で書きます。例: "40000-40100" (エージェントはこの値を無視して 32768-60999 を使います)

# The VPC, its subnets, route tables, NAT gateways and public addresses; AWS's own texts
# ("The CIDR '...' conflicts with another subnet", "The route identified by ... already exists.") stay verbatim
vpc-cidr-size = VPC の CIDR ブロック { $cidr } は無効です: AWS と同じく、ネットマスクは /16 から /28 の間でなければなりません
vpc-cidr-size-help = 10.0.0.0/16 のようなブロックを使います
vpc-cidr-reserved = VPC の CIDR ブロック { $cidr } は使えません (ループバック、リンクローカル、マルチキャスト、または予約済み)
vpc-cidr-reserved-help = 10.0.0.0/16、172.16.0.0/16、192.168.0.0/16 のようなプライベートな範囲を使います
vpc-pool-size = publicIpPool { $cidr } は /8 から /30 の間でなければなりません
vpc-pool-size-help = 例: 198.51.100.0/24
vpc-pool-not-public = publicIpPool { $cidr } にはパブリックアドレスを置けません: { $reason }
vpc-pool-not-public-help = 198.51.100.0/24 (TEST-NET-2) のようなパブリックに見える範囲を使います
vpc-pool-overlaps = publicIpPool { $cidr } が VPC の CIDR ブロックと重なっています
vpc-pool-overlaps-help = VPC の外の範囲を使います
vpc-pool-resolver = publicIpPool { $cidr } には、エミュレートされたインターネットの DNS リゾルバーのアドレス 203.0.113.53 が含まれています
vpc-pool-aws-public = publicIpPool { $cidr } は、ecsnet が AWS の公開サービスエンドポイントを置く 198.18.0.0/15 と重なっています
vpc-cidr-aws-public = VPC の CIDR ブロック { $cidr } は、ecsnet が AWS の公開サービスエンドポイントを置く 198.18.0.0/15 と重なっています
vpc-pool-client = publicIpPool { $cidr } には、エミュレートされたインターネットクライアントのアドレス 203.0.113.10 が含まれています
vpc-pool-client-help = 別の範囲を使います。例: 198.51.100.0/24
vpc-dns-hostnames-need-support = DNS ホスト名を有効にできるのは、DNS サポートを有効にしている場合だけです。
vpc-dns-hostnames-need-support-help = `enableDnsSupport: true` にするか、`enableDnsHostnames: false` にします
aws-bad-bucket = 指定されたバケットは無効です: { $name }
aws-bad-bucket-help = 3-63 文字の英小文字・数字・'.'・'-' で、英数字で始まり英数字で終わる名前にします
aws-bad-repository = Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*''
aws-bad-registry-id-help = アカウント ID (12 桁の数字)
aws-bad-repository-help = 英小文字・数字・'.'・'_'・'-'・'/' を使います (例: team/app)
vpce-gateway-service = The Vpc Endpoint Service '{ $service }' does not support vpc endpoint type 'Gateway'.
vpce-gateway-service-help = ゲートウェイエンドポイントがあるのは s3 と dynamodb だけです。type: Interface にします
vpce-gateway-tables = ゲートウェイエンドポイントには `routeTables` (そこへ向かうルートを持つルートテーブル) が必要です
vpce-gateway-tables-help = routeTables: [private] を追加します
vpce-interface-subnets = インターフェイスエンドポイントには `subnets` (ENI を置くサブネット) が必要です
vpce-interface-subnets-help = subnets: [private-a, private-c] のように、アベイラビリティーゾーンごとに 1 つ追加します
vpce-unknown-service = The Vpc Endpoint Service '{ $service }' does not exist
vpce-unknown-service-help = ecsnet が提供するのは (このリージョンの) ecr.api、ecr.dkr、s3、logs、sts、secretsmanager、ssm、ecs、ecs-agent、ecs-telemetry、dynamodb です
vpce-same-zone = Found another VPC endpoint subnet in the availability zone of { $subnet }. VPC endpoint subnets should be in different availability zones supported by the VPC endpoint service.
vpce-same-zone-help = アベイラビリティーゾーンごとにサブネットは 1 つにします
sg-bad-prefix-list = プレフィックスリスト `{ $name }` は存在しません
sg-bad-prefix-list-help = AWS 管理のプレフィックスリスト: pl/s3、pl/dynamodb
dhcp-too-many-servers = domain-name-servers に指定できるサーバーは { $max } 個までですが、{ $n } 個あります
dhcp-too-many-servers-help = アドレスを 4 個までにするか、AmazonProvidedDNS にします
dhcp-bad-server = パラメータ domain-name-servers の値 ({ $value }) が無効です: IPv4 アドレスか AmazonProvidedDNS を指定します
dhcp-bad-server-help = AmazonProvidedDNS か、10.0.0.2 のようなアドレスを書きます
dhcp-bad-domain = パラメータ domain-name の値 ({ $value }) が無効です: ドメイン名のラベルは英数字とハイフンでできています
dhcp-bad-domain-help = 例: corp.example.com。複数ならスペースで区切ります
vpc-set-igw = vpc ブロックに `internetGateway: true` を設定します
subnet-overlaps = : サブネット `{ $name }` ({ $cidr }、{ $line } 行目) と重なっています
subnet-overlaps-help = VPC のサブネットどうしは重なってはいけません。空いているブロックを選びます
subnet-cidr-size = サブネットの CIDR ブロック { $cidr } は無効です: AWS と同じく、ネットマスクは /16 から /28 の間でなければなりません
subnet-cidr-size-help = 10.0.1.0/24 のようなブロックを使います
subnet-outside-vpc = サブネットの CIDR ブロック { $cidr } が VPC の CIDR ブロック { $vpc } の中にありません
subnet-outside-vpc-help = { $vpc } の中のブロックを選びます
subnet-az-region = アベイラビリティーゾーン `{ $az }` はリージョン `{ $region }` にありません
subnet-az-region-help = `{ $region }a`、`{ $region }b`、... と書きます (または先頭の `region` を変えます)
subnet-unknown-main = 不明なルートテーブル `main` です
subnet-unknown-main-help = VPC のメインルートテーブル (ローカルルートだけ) を使うには `routeTable` を省きます
route-duplicate-help = このルートテーブルには { $destination } へのルートがすでにあります ({ $line } 行目)。1 つだけにします
route-inside-vpc = ルートの送信先 { $destination } は VPC の CIDR ブロック { $vpc } の中にあります: ローカルルートがすでにカバーしています
route-inside-vpc-help = このルートを削除します (AWS では、これほど具体的なルートのターゲットにはネットワークインターフェイスしか使えません)
route-two-targets = ルートのターゲットは 1 つだけですが、このルートには `gateway` と `natGateway` の両方があります
route-two-targets-help = 送信先の異なる 2 つのルートに分けるか、ターゲットを 1 つ削除します
route-no-target = ルートのターゲットがありません
route-no-target-help = `gateway: internet-gateway` か `natGateway: NAME` を追加します
route-unknown-gateway = 不明なゲートウェイ `{ $name }` です
route-unknown-gateway-help = ゲートウェイは `internet-gateway` (VPC のインターネットゲートウェイ) だけです。NAT ゲートウェイには `natGateway: NAME` と書きます
route-no-igw = このルートのターゲットはインターネットゲートウェイですが、VPC にはインターネットゲートウェイがありません
nat-needs-igw = NAT ゲートウェイにはインターネットゲートウェイが必要です: AWS はインターネットゲートウェイのない VPC にパブリック NAT ゲートウェイを作成しません
public-private-range = プライベートな範囲 (10.0.0.0/8、172.16.0.0/12、192.168.0.0/16) にあります
public-loopback = ループバックアドレスです
public-link-local = リンクローカルアドレス (169.254.0.0/16) です
public-zero = 0.0.0.0/8 にあります
public-multicast = マルチキャストアドレスか予約済みのアドレスです
public-shared = 共有アドレス空間 100.64.0.0/10 にあります
public-owner-nat = NAT ゲートウェイ `{ $name }`
public-owner-host = インターネットホスト `{ $name }`
public-owner-instance = インスタンス `{ $name }`
public-host-address = インターネットホストのアドレス
public-not-public = { $what } { $ip } はパブリックアドレスにできません: { $reason }
public-not-public-help = 198.51.100.80 (TEST-NET-2) や 192.0.2.80 (TEST-NET-1) のようなパブリックに見えるアドレスを使います
public-inside-vpc = { $what } { $ip } が VPC の CIDR ブロックの中にあります
public-inside-vpc-help = VPC の外のアドレスを使います
public-is-resolver = { $what } 203.0.113.53 は、エミュレートされたインターネットの DNS リゾルバーのアドレスです
public-is-aws = { $what } { $ip } は、ecsnet が AWS の公開サービスエンドポイントを置く 198.18.0.0/15 の中にあります
public-is-client = { $what } 203.0.113.10 は、エミュレートされたインターネットクライアントのアドレスです
public-is-client-help = 別のアドレスを使います
public-taken = { $ip } はすでに { $other } が使っています
public-taken-help = パブリックアドレスはすべて一意にします
scenario-aws-limit = `{ $field }` の要素が多すぎます: { $count } 個 (AWS の上限は { $limit } 個)
scenario-aws-limit-help = 要素をいくつか削除します
scenario-listed-twice = `{ $name }` が 2 回書かれています (最初は { $line } 行目)
scenario-listed-twice-help = 重複を削除します

# Security groups and network ACLs; AWS's own texts ("The network acl entry identified by ... already exists.") stay verbatim
sg-name-sg = セキュリティグループ名 `{ $name }` は無効です: グループ名を sg-* の形式にはできません
sg-name-sg-help = AWS は sg-* をグループ ID に使います。別の名前を選びます
sg-ingress-destination = インバウンドルールには `source` を使います。`destination` はアウトバウンドルール用です
sg-egress-source = アウトバウンドルールには `destination` を使います。`source` はインバウンドルール用です
sg-peer-help = { $help }。セキュリティグループなら `sg/NAME` と書きます
nacl-duplicate-number-help = ルール番号 { $number } はほかの { $direction } ルールが使っています ({ $line } 行目)。番号は方向ごとに一意にします
nacl-subnet-twice = サブネット `{ $subnet }` はすでにネットワーク ACL `{ $other }` に関連付けられています
nacl-subnet-twice-help = サブネットに関連付けられるネットワーク ACL は 1 つだけです。どちらかから外します
rule-missing-ports = プロトコル { $proto } には `ports` が必要です
rule-missing-ports-help = `ports: 443`、`ports: 8000-8010` のような範囲、またはすべてのポートなら `ports: 0-65535` を追加します
rule-ports-not-allowed = プロトコル { $proto } には `ports` を使えません
rule-ports-not-allowed-help = `ports` を削除します: プロトコル { $proto } にはポートがありません

# Scenario and task definition files: reading and parsing. The YAML and JSON parsers' own
# words ({ $detail }) stay as the parsers write them.
scenario-bad-version = シナリオの形式のバージョン `{ $version }` には対応していません
scenario-bad-version-help = この ecsnet が読めるのは `version: 1` のファイルです
scenario-bad-region = リージョン `{ $region }` は無効です
scenario-bad-region-help = `us-east-1` や `ap-northeast-1` のような AWS のリージョン名を書きます
scenario-too-many-errors = エラーが多すぎます。最初の { $count } 個だけを表示しています
scenario-too-many-errors-help = これらを直してから、もう一度 validate します
scenario-incomplete = シナリオが不完全です
file-not-regular = `{ $path }`: 通常のファイルではありません ({ $kind })
file-not-regular-help = 通常のファイルを指定します: ecsnet はパイプ、ソケット、デバイス、ディレクトリを読みません
file-cannot-read = `{ $path }` を読めません: { $error }
file-relative-help = パスはシナリオファイルのあるディレクトリからの相対パスです
file-kind-fifo = FIFO
file-kind-directory = ディレクトリ
file-kind-socket = ソケット
file-kind-char-device = キャラクタデバイス
file-kind-block-device = ブロックデバイス
file-kind-other = ファイルではありません
file-too-big = ファイルが { $mib } MiB より大きいため、ecsnet は解析しません
file-too-big-help = シナリオとタスク定義のファイルは小さいはずです。正しいファイルか確認します
file-not-utf8 = ファイルが正しい UTF-8 ではありません
file-not-utf8-help = ファイルを UTF-8 で保存します
file-nul = ファイルに NUL 文字があります
file-nul-help = テキストファイルではないようです
file-too-deep = 入れ子が { $max } 段より深くなっています
file-too-deep-help = シナリオの入れ子は数段で足ります。ここのインデントと括弧を確認します
yaml-second-document = 2 つ目の YAML ドキュメント (`---`) には対応していません
yaml-second-document-help = 1 つのファイルにシナリオを 1 つだけ書きます
yaml-no-anchors = アンカーとエイリアスには対応していません
yaml-no-anchors-help = 値を省略せずに書きます。ecsnet のシナリオファイルでは YAML のアンカー (&)、エイリアス (*)、マージキー (<<) を使いません
file-words-scenario = シナリオファイル
file-words-json = JSON のタスク定義ファイル
yaml-top-not-mapping = { $what }の最上位はマッピングでなければなりません
json-top-help = ファイルには JSON オブジェクトを 1 つ書きます: `{"{"} "family": ..., "containerDefinitions": [...] {"}"}`
yaml-top-help = ファイルの先頭に `version: 1` と `name: ...` をそれぞれ 1 行で書きます
yaml-key-not-scalar = マッピングのキーは単純な文字列でなければなりません
yaml-key-not-scalar-help = キーにはフィールド名を使います
yaml-tags = YAML のタグ (`!!str`、`!Ref`、...) には対応していません
yaml-tags-help = タグを削除して、単純な値を書きます (文字列にするには値を引用符で囲みます)
yaml-duplicate-key = キー `{ $key }` が重複しています
yaml-duplicate-key-help = { $line } 行 { $col } 列ですでに設定されています。1 つだけにします
yaml-tabs-help = YAML ではインデントにタブを使えません。スペースを使います
yaml-colon-help = インデントを確認します。`: ` を含む値は引用符で囲みます
yaml-syntax-help = この近くのインデント、括弧、引用符を確認します
yaml-syntax = YAML の構文エラー: { $detail }
json-syntax = JSON の構文エラー: { $detail }
json-syntax-help = この近くの括弧、カンマ、引用符を確認します
json-too-deep-help = タスク定義の入れ子は数段で足ります
json-duplicate-key-help = 1 つだけにします

# Expectations: host ports, http and icmp checks
expect-no-host-port = タスク `{ $task }` は networkMode={ $mode } です: そのコンテナポートはインスタンスに公開されないので、{ $port } にホストポートはありません
expect-no-host-port-help = ホストポートがあるのは bridge と host のタスクだけです。代わりにタスク自身のアドレスをプローブします
expect-unmapped-port = タスク `{ $task }` のコンテナポート { $port } にはポートマッピングがないので、ホストポートはありません
expect-unmapped-port-help = タスク定義に portMappings の要素を追加するか、`containerPort` と `protocol` を確認します
expect-port-mapped-by-several = タスク `{ $task }` の複数のコンテナが { $port } をマッピングしています: { $names }
expect-port-mapped-by-several-help = `container: NAME` でどれかを指定します
expect-http-protocol = `http` は HTTP GET への応答を確かめますが、`protocol` が { $protocol } になっています
expect-http-protocol-help = `protocol: http` と書くか、`protocol` を省きます (`http` があれば http です)
expect-icmp-protocol = `icmp` は icmp か udp のプローブへの応答で、{ $protocol } のプローブには使えません
expect-icmp-protocol-help = tcp の接続は ICMP エラーを `result: refused` としてしか報告しません。`protocol: icmp` か `protocol: udp` でプローブします
expect-echo-reply-icmp = エコー応答が返るのは icmp のプローブだけです
expect-echo-reply-icmp-help = `protocol: icmp` と書くか、エラーメッセージを期待します
expect-echo-reply-reachable = エコー応答は宛先が応答したときに返ります: `reachable: true` と書きます
expect-icmp-error-unreachable = ICMP エラーは宛先が応答しなかったことを示します: `reachable: false` と書きます
expect-icmp-contradicts = `icmp: { $icmp }` は `reachable: { $reachable }` と矛盾しています
expect-never-protocol = `never` が確かめるのは tcp か udp で、`{ $protocol }` ではありません
expect-never-protocol-help = `protocol: tcp` か `protocol: udp` と書きます
expect-path-twice = `path` が 2 回指定されています: `http` の横と中
expect-path-twice-help = `http: {"{"} path: ... {"}"}` だけを残します
expect-served-by-task = `servedBy` にはタスクを指定しますが、`{ $endpoint }` になっています
expect-served-by-task-help = `task/NAME`、`task/NAME/CONTAINER`、`service/NAME` のどれかを書きます
expect-via-task = `via` は `to: task/...` でしか使いませんが、`{ $endpoint }` になっています
expect-via-task-help = `via` を削除するか、タスクをプローブします
expect-via-no-host-port = `via: { $via }` にはホストポートが必要ですが、タスク `{ $task }` は networkMode={ $mode } です: そのポートはインスタンスに公開されません
expect-via-no-host-port-help = `via` を削除して `task/{ $task }:{ $port }` (タスク自身のアドレス) をプローブします
expect-via-unmapped = `via: { $via }`: タスク `{ $task }` のコンテナポート { $port }/{ $proto } にはポートマッピングがないので、ホストポートはありません
expect-via-unmapped-help = タスク定義にそのポートの portMappings の要素を追加します
expect-mapped-ports = マッピングされているコンテナポート: { $ports }

# What stops a valid scenario from becoming a lab (validate, up)
model-unknown-subnet = 不明なサブネット `{ $name }` です
model-unknown-instance = 不明なインスタンス `{ $name }` です
model-unknown-task-definition = 不明なタスク定義 `{ $name }` です
model-subnet-full = サブネット `{ $name }` には空いているアドレスが残っていません
model-pool-exhausted = パブリック IP プールを使い切りました
model-role-not-trusted-by-ec2 = ロール `{ $name }` の信頼ポリシーは ec2.amazonaws.com による引き受け (sts:AssumeRole) を許可していません: AWS ではこのインスタンスはインスタンスプロファイルから認証情報を得られず、ECS エージェントは登録できません。assumeRolePolicyDocument の Principal に Service として ec2.amazonaws.com を加えてください

# graph --format html: the page's own words (the picture's text stays as in the SVG and PNG)
graph-html-hint = ラボ { $lab }: 箱をクリックするとそれが何かを、判定の番号をクリックするとその理由 (explain) を表示します。Escape で閉じます
graph-html-close = 閉じる (Escape)

# Only for the unit tests of src/i18n.
test-args = ラボ { $lab } のタスクは { $count } 個です
ps-agent-no-metrics = instance/{ $instance } の ecs-agent: 登録済みですが { $services } に届きません: { $log }
ps-agent-not-connected = instance/{ $instance } の ecs-agent: ECS に接続していません ({ $services } に届きません): { $log }
ps-task-stopped = task/{ $task } は起動しませんでした (STOPPED): { $reason }
summary-task-stopped = 起動せず (STOPPED): { $reason }
expect-error-needs-not-started = `error` は `started: false` のときだけ使います
expect-error-needs-not-started-help = `error` を消すか、`started: false` を期待してください
expect-service-nothing = サービスの期待には確かめる項目が必要です
expect-service-nothing-help = `runningCount`、`pendingCount`、`spread`、`event` のいずれかを加えてください（例: `{"{"} service: api, runningCount: 2 {"}"}`）
explain-start-needs-task = --start はタスクかインスタンスの起動を説明します: { $node } ではなく task/NAME か instance/NAME を書いてください
explain-start-nothing = task/{ $task } は起動前に AWS から何も取得しません ({ $region } の ECR イメージ、secrets、awslogs のいずれもなし): そのまま起動します
control-plane-metrics = AWS でもタスクは動きますが、メトリクスは CloudWatch に届きません
control-plane-strict = AWS ではタスクを一つも動かせず、ecsnet もここでは配置しません (controlPlane: strict)
control-plane-warn = AWS ではタスクを一つも動かせませんが、ecsnet はそれでも配置します (`controlPlane: strict` なら配置しません)
control-plane-warning = 警告: instance/{ $instance } は ECS のコントロールプレーン ({ $services }) に届きません: エージェントのログは "{ $log }"。{ $consequence }。{ $fix }
control-plane-fix-endpoint = { $ip } のエンドポイントはあります: そのセキュリティグループ (とネットワーク ACL) でインスタンスからの 443 を許可してください
control-plane-fix-public = パブリック IP、NAT ゲートウェイ、または ecs・ecs-agent・ecs-telemetry のエンドポイントを用意してください
control-plane-more = 警告: ほかに { $count } 台のインスタンスも ECS のコントロールプレーンに届きません: { $names }
explain-start-not-placed = task/{ $task } は配置されませんでした ({ $reason }: { $message }): 起動することはありません

# IAM ポリシードキュメント (src/scenario/policy.rs)。AWS の文言 (IAM API と IAM Access Analyzer のポリシーチェック) は英語のままです。
iam-type = Data type mismatch: The text does not match the expected JSON data type { $data_type }.
iam-type-help = ここには { $example } のように書きます
iam-element = Invalid policy element: The policy element { $element } is not valid.
iam-element-help = ここに書ける要素は { $names } です
iam-element-case-help = 要素名は大文字と小文字を区別します: { $name } と書きます
iam-combination = Unsupported element combination: The policy elements { $first } and { $second } can not be used in the same statement. Remove one of these elements.
iam-combination-help = どちらか一方だけにします
iam-version = Invalid version: The version { $version } is not valid. Use one of the following versions: 2012-10-17, 2008-10-17
iam-version-help = 現在のポリシー言語である "Version": "2012-10-17" と書きます
iam-statement-missing = Missing statement: Add a statement to the policy
iam-statement-missing-help = Statement のリストに、少なくとも 1 つのステートメント (Effect、Action、Resource) を書きます
iam-sid = Unsupported Sid: Update the characters in the Sid element to use one of the following character types: [a-z, A-Z, 0-9]
iam-sid-help = IAM のステートメント ID に使えるのは英字と数字だけです
iam-sid-duplicate = Statement IDs (SID) in a single policy must be unique.
iam-sid-duplicate-help = このステートメントの Sid を変えます: { $line } 行のステートメントも同じ Sid です
iam-effect = Invalid effect: The effect { $effect } is not valid. Use Allow or Deny.
iam-effect-help = 先頭を大文字にして Allow か Deny と書きます
iam-effect-missing = Missing effect: Add an Effect element to the policy statement with a value of Allow or Deny.
iam-effect-missing-help = "Effect": "Allow" か "Effect": "Deny" を追加します
iam-principal-identity = Policy document should not specify a principal.
iam-principal-identity-help = アイデンティティベースのポリシーは、アタッチされたロールやユーザーに適用されます。Principal を削除し、プリンシパルは信頼ポリシーかリソースベースのポリシーで指定します
iam-trust-notprincipal = Role trust policy syntax error notprincipal: Role trust policies do not support NotPrincipal. Update the policy to use a Principal element instead.
iam-trust-notprincipal-help = ロールを引き受けられるプリンシパルを Principal に書きます
iam-trust-resource = Role trust policy syntax error resource: Role trust policies apply to the role that they are attached to. You cannot specify a resource. Remove the Resource or NotResource element.
iam-trust-resource-help = 削除します: 信頼ポリシーのリソースはそのロール自身です
iam-principal-missing = Missing principal: Add a Principal element to the policy statement.
iam-principal-missing-help = "Principal": "*" (全員。条件で絞ります) か、"AWS" に "arn:aws:iam::ACCOUNT:role/NAME" を持つマップを追加します
iam-principal-missing-trust-help = "Service" に "ecs-tasks.amazonaws.com" を持つ Principal を追加します
iam-action-missing = Missing action: Add an Action or NotAction element to the policy statement.
iam-action-missing-help = "Action": "SERVICE:ACTION" (たとえば "ecr:DescribeImages") を追加します
iam-resource-missing = Missing resource: Add a Resource or NotResource element to the policy statement.
iam-resource-missing-help = "Resource": "*" か、リソースの ARN を追加します
iam-principal-format = Invalid principal format: The Principal element contents are not valid. Specify a key-value pair in the Principal element.
iam-principal-format-help = "*" か、"AWS" (ARN)、"Service" (ecs-tasks.amazonaws.com など) をキーにしたマップを書きます
iam-principal-key = Invalid principal key: The principal key { $key } is not valid.
iam-principal-key-help = プリンシパルのキーは AWS、Service、Federated、CanonicalUser です
iam-vendor = Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.
iam-vendor-help = サービスのプレフィックスとコロンを付けます: ecr:DescribeImages、aws:SourceVpce
iam-vendor-colon = Actions/Condition can contain only one colon.
iam-vendor-colon-help = コロンは 1 つだけにして SERVICE:NAME と書きます
iam-vendor-invalid = Vendor { $vendor } is not valid
iam-vendor-invalid-help = サービスのプレフィックスに使えるのは英字、数字、`-`、`.` だけです (ecr、s3 など)
iam-resource-arn = Resource { $resource } must be in ARN format or "*".
iam-resource-arn-help = ARN (arn:aws:SERVICE:REGION:ACCOUNT:RESOURCE) か "*" を書きます
iam-operator = Invalid condition operator: The condition operator { $operator } is not valid. Use a valid condition operator.
iam-operator-help = たとえば StringEquals、StringNotEquals、StringLike、ArnLike、IpAddress、Bool、Null です。末尾に IfExists、先頭に ForAnyValue: か ForAllValues: を付けられます (大文字と小文字を区別します)
iam-null-ifexists = Null with if exists: The Null condition operator cannot be used with the IfExists suffix. Update the operator or the suffix.
iam-null-ifexists-help = Null と書きます: Null はキーがあるかどうかを調べる演算子です
help-explain-call = 代わりに AWS API 呼び出し (ecr:DescribeImages、s3:GetObject など) を説明します: FROM が署名に使う認証情報、サービスまでの経路、その経路がもたらすキーでの IAM の評価 (どのポリシーのどのステートメントが決めたか、どの条件が成り立たなかったか)
help-explain-resource = --call と一緒に: 呼び出しの対象 (repository/NAME、bucket/NAME[/KEY]、secret/NAME、parameter/NAME、log-group/NAME、cloudmap/NAME.NAMESPACE)
explain-call-unknown = ecsnet は呼び出し `{ $action }` を行えません。行えるもの: { $calls }
explain-call-resource = { $action } には --resource { $example } が必要です
explain-call-no-cloud-map = Cloud Map のサービス `{ $name }` はこのラボにありません。あるもの: { $known }
expect-call-from = `{ $node }` には AWS を呼び出すためのロールがありません
expect-call-from-help = task/NAME (タスクロール) または instance/NAME (インスタンスプロファイルのロール) と書いてください
expect-call-unknown = ecsnet は呼び出し `{ $action }` を行えません
expect-call-unknown-help = 次のいずれかを書いてください: { $calls }
expect-call-bad-expect = `expect: { $value }` は呼び出しの結果ではありません
expect-call-bad-expect-help = allowed、AccessDenied、timeout、refused、または RepositoryNotFoundException のような AWS のエラーコードを書いてください
expect-call-no-resource = `{ $action }` は対象リソースなしで呼び出します
expect-call-no-resource-help = `resource` を削除してください
expect-call-resource = `{ $action }` には `resource: { $example }` が必要です
expect-call-resource-help = 例: { $example }
expect-call-no-cloud-map = Cloud Map のサービス `{ $name }` は宣言されていません
expect-call-no-cloud-map-help = serviceDiscovery.services のどれかを cloudmap/NAME.NAMESPACE で書いてください: { $known }
vpce-bad-id = InvalidVpcEndpointId.Malformed: Invalid Id: '{ $id }' (expecting 'vpce-...; the Id may only contain lowercase alphanumeric characters and a single dash'): ID の形式が正しくありません
vpce-bad-id-help = vpce- と小文字の 16 進数 17 桁を書いてください。例: vpce-0a1b2c3d4e5f67890
vpce-duplicate-id = 別のエンドポイントがすでに ID { $id } を持っています
vpce-duplicate-id-help = エンドポイントごとに別の vpcEndpointId を付けてください
control-plane-fix-iam = ロール { $role } に AmazonEC2ContainerServiceforEC2Role を付けるか、メッセージにある操作を許可してください
control-plane-warning-denied = 警告: instance/{ $instance } は ECS のコントロールプレーン ({ $services }) に拒否されています: エージェントのログは "{ $log }"。{ $consequence }。{ $fix }
ps-agent-refused = instance/{ $instance } の ecs-agent: ECS に接続していません ({ $services } に拒否されました): { $log }
elb-duplicate-listener = DuplicateListener: A listener already exists on this port for this load balancer
elb-duplicate-listener-help = リスナーごとに別のポートにします
elb-priority-in-use = PriorityInUse: Priority '{ $priority }' is currently in use
elb-priority-in-use-help = リスナーの各ルールに別の優先度を付けます
elb-rule-no-condition = ValidationError: A rule must have at least one condition
elb-rule-no-condition-help = conditions: [{"{"} field: path-pattern, values: [/api/*] {"}"}] を追加します
elb-condition-values = ValidationError: A condition must have either 'values' or '{ $config }'
elb-condition-values-help = values: [/api/*] を追加します
elb-condition-empty = ValidationError: A condition value must be specified
elb-one-action = ValidationError: Exactly one terminal action must be specified
elb-one-action-help = forward、fixed-response、redirect のどれか 1 つだけを残します
elb-forward-empty = ValidationError: A target group ARN must be specified
elb-forward-target = ValidationError: A target group ARN must be specified
elb-forward-target-help = targetGroupArn: web か forwardConfig: {"{"} targetGroups: [...] {"}"} を追加します
elb-bad-target-group-arn = ValidationError: '{ $arn }' is not a valid target group ARN
elb-bad-target-group-arn-help = `targetGroups` のターゲットグループ名 (または ARN arn:aws:elasticloadbalancing:{ $region }:ACCOUNT:targetgroup/NAME/ID) を書きます
elb-fixed-missing = ValidationError: A fixed response config must be specified
elb-fixed-body = ValidationError: The message body cannot be longer than 1024 characters
elb-fixed-status = ValidationError: Status code '{ $code }' must be a 2XX, 4XX or 5XX code
elb-fixed-status-help = 例: statusCode: "503"
elb-redirect-missing = ValidationError: A redirect config must be specified
elb-redirect-protocol = ValidationError: The redirect protocol must be HTTP, HTTPS or #{"{"}protocol{"}"}
elb-redirect-path = ValidationError: The redirect path must start with '/'
expect-lb-kind = `{ $node }` が指すのは { $kind } load balancer です
expect-lb-kind-help = `{ $prefix }/{ $name }` と書きます
tg-preserve-udp = ValidationError: Client IP preservation cannot be disabled for UDP and TCP_UDP target groups
tg-preserve-udp-help = `preserve_client_ip.enabled: false` を消します: UDP のターゲットには常にクライアントのアドレスが見えます
elb-tls-not-yet = TLS はまだモデル化されていません
elb-tls-not-yet-help = TCP を使います: Network Load Balancer は TLS のストリームをそのまま通します
elb-network-rules = ValidationError: Listener rules are not supported for Network Load Balancers
elb-network-rules-help = Network Load Balancer のリスナーはすべてをデフォルトアクションに転送します
elb-listener-protocol = ValidationError: Listener protocol '{ $protocol }' must be one of '{ $allowed }'
elb-listener-protocol-help = Application Load Balancer は HTTP と HTTPS、Network Load Balancer は TCP、UDP、TCP_UDP を話します
elb-network-action = InvalidLoadBalancerAction: The action type '{ $kind }' is not valid for a Network Load Balancer listener
elb-network-action-help = `{"{"} type: forward, targetGroupArn: NAME {"}"}` を使います
elb-alb-cross-zone = ValidationError: Cross-zone load balancing cannot be disabled for Application Load Balancers
elb-alb-cross-zone-help = ターゲットグループごとに切り替えるか、オンのままにします
elb-incompatible-protocols = IncompatibleProtocols: The target group '{ $group }' protocol '{ $group_protocol }' is incompatible with the listener protocol '{ $protocol }'
elb-incompatible-protocols-help = TCP と UDP のリスナーは TCP、UDP、TCP_UDP のターゲットグループ (Network Load Balancer のもの) に、HTTP と HTTPS のリスナーは HTTP か HTTPS のターゲットグループに転送します
elb-no-igw = InvalidSubnet: VPC has no internet gateway
elb-no-igw-help = vpc に `internetGateway: true` を設定するか、`scheme: internal` にします
elb-same-zone = InvalidConfigurationRequest: A load balancer cannot be attached to multiple subnets in the same Availability Zone
elb-same-zone-help = アベイラビリティーゾーンごとにサブネットは 1 つにします ({ $az } が 2 回あります)
elb-two-zones = ValidationError: At least two subnets in two different Availability Zones must be specified
elb-two-zones-help = 2 つ目のアベイラビリティーゾーンのサブネットを `subnets` に加えます
elb-group-two-lbs = TargetGroupAssociationLimit: The following target groups cannot be associated with more than one load balancer: { $group }
elb-group-two-lbs-help = ロードバランサー `{ $other }` がすでに使っています: ロードバランサーごとに別のターゲットグループにします
elb-name-long = ValidationError: The { $what } name '{ $name }' cannot be longer than '32' characters
elb-name-long-help = 名前を 32 文字以内にします
elb-name-internal = ValidationError: The { $what } name '{ $name }' cannot begin with 'internal-'
elb-name-internal-help = 先頭の `internal-` を外します: `scheme: internal` なら DNS 名に付きます
tg-timeout-interval = ValidationError: Health check interval must be greater than the timeout.
tg-timeout-interval-help = healthCheckTimeoutSeconds ({ $timeout }) を healthCheckIntervalSeconds ({ $interval }) より小さくします
tg-health-port = ValidationError: Health check port '{ $port }' must be 'traffic-port' or a port between 1 and 65535
tg-health-port-help = `traffic-port` (各ターゲット自身のポート) か番号を書きます
tg-health-path = ValidationError: Health check path '{ $path }' must start with '/' and be at most 1024 characters
tg-health-path-help = 例: `/health`
tg-matcher = ValidationError: Health check matcher HTTP code '{ $code }' must be a value between '200' and '499'
tg-matcher-help = "200"、"200,202"、"200-299" のように書きます
tg-target-id = ターゲットは `task/NAME` か `instance/NAME` です。`{ $id }` がありました
tg-target-id-help = 例: `id: task/web`
tg-instance-in-ip = ValidationError: The target group '{ $group }' has target type 'ip': register IP addresses, not instance IDs
tg-instance-in-ip-help = awsvpc タスク (`id: task/NAME`) を登録するか、targetType: instance にします
container-http-status = `httpStatus` は `/` で始まるパスを 100-599 のステータスに対応させます。`{ $path }: { $code }` がありました
container-http-status-help = 例: `httpStatus: {"{"} /health: 503 {"}"}`
expect-dest-alb = ロードバランサーは宛先にしかなれません
picture-load-balancer = ロードバランサーのノード
picture-proxy = ロードバランサーからターゲットへ
inspect-no-alb = ラボ { $lab } にロードバランサー `{ $name }` はありません
service-strategy-field-help = 使える field: { $valid }
service-distinct-expression-help = `expression` を削除してください
service-memberof-needs-expression = memberOf 制約には `expression` が必要です
service-memberof-example = 例: `expression: "attribute:ecs.availability-zone in [us-east-1a, us-east-1b]"`
service-expression-too-long = 式は最大 2000 文字です
service-bad-expression = クラスタークエリ言語の式が不正です: { $why }
service-expression-help = `ATTRIBUTE == VALUE`、`ATTRIBUTE != VALUE`、`ATTRIBUTE in [A, B]` を `and` / `or` でつないで書きます。例: `attribute:ecs.availability-zone == us-east-1a`
service-task-name-taken = サービス `{ $service }` のタスク { $n } の名前は `{ $task }` ですが、その名前のタスクがすでに宣言されています
service-task-name-taken-help = サービスかタスクの名前を変えてください
service-task-name-long = サービス `{ $service }` のタスク名 `{ $task }` は名前の上限 40 文字を超えます
service-task-name-long-help = サービス名を { $n } 文字以内に縮めてください
service-fargate-awsvpc-help = FARGATE で動くのは networkMode が awsvpc のタスク定義だけです
service-fargate-placement-help = 配置の指定を削除するか、launchType を EC2 にしてください
service-lb-containers = タスク定義 `{ $family }` のコンテナ: { $containers }
service-lb-port-help = この containerPort のポートマッピングを追加するか、マッピングのあるポートを指定してください
service-grace-help = `healthCheckGracePeriodSeconds` を削除するか、`loadBalancers` を追加してください
cql-unexpected-char = 予期しない文字 `{ $char }`
cql-unexpected = 予期しない `{ $token }`
cql-end = 式の終わり
cql-expected = { $what } が必要ですが { $found } がありました
cql-an-attribute = 属性
cql-unknown-attribute = 未知の属性 `{ $attribute }` (ecsnet のインスタンスにある属性: { $known })
cql-a-value = 値
explain-service-head = service/{ $service }: 希望タスク数 { $count }; 配置戦略 { $strategy }; 配置制約 { $constraints }
explain-service-legend = (各戦略が候補を採点します: spread は候補と同じ値を持つサービスのタスク数、binpack は候補の残り; 最小のものが残り、最後はファイル順で最初のものが選ばれます)
explain-service-placed = task/{ $task } -> instance/{ $instance } ({ $az })
explain-service-unplaced = task/{ $task }: 配置されません (NOT PLACED)
explain-service-checked = すべての要件 (リソース、ポート、ENI、制約): { $list }
explain-service-step = { $strategy }: { $scores } -> 残るのは { $kept }
explain-service-closest = 最も近いインスタンス: instance/{ $instance } ({ $check } を満たしません)
explain-placement-needs-service = --placement はサービスの配置を説明します: { $node } ではなく service/NAME か、サービスの task/NAME-N を書いてください
help-explain-placement = 代わりにサービスの配置を説明します (FROM: service/NAME、またはそのタスクの task/NAME-N): タスクごとに、すべての要件を満たしたインスタンス、各配置戦略による絞り込み、選ばれたインスタンス。配置されないタスクには、最も近いインスタンスと満たせなかった確認、ECS のイベント
ps-service-no-tasks = なし
ps-service-tasks = タスク: { $tasks }
service-tg-no-lb-help = `loadBalancers` のリスナー (defaultActions かルール) からこのターゲットグループに転送します
service-tg-type-help = awsvpc のタスクは `targetType: ip` のグループに、bridge と host のタスクは `targetType: instance` のグループに登録されます
expect-target-ref = `target` は `task/NAME` か `instance/NAME` です（`{ $target }` と書かれています）
expect-target-ref-help = グループの `targets` が登録している名前で書いてください
expect-target-none-registered = このグループにはターゲットが登録されていません
expect-target-registered = 登録されているターゲット: { $targets }
expect-target-not-registered = `{ $target }` はターゲットグループ `{ $group }` に登録されていません
# HTTPS listeners (scenario/listener_tls.rs)
elb-https-certificate = ValidationError: A certificate must be specified for HTTPS listeners
elb-https-certificate-help = certificates: [{"{"} certificateArn: arn:aws:acm:REGION:ACCOUNT:certificate/ID {"}"}] を追加します (ラボでは、ラボの CA がロードバランサーの DNS 名の証明書を発行します)
elb-http-certificate = ValidationError: A certificate cannot be specified for { $protocol } listeners
elb-http-certificate-help = protocol: HTTPS と書くか、`certificates` を外します
elb-certificate-not-found = CertificateNotFound: The specified certificate does not exist.
elb-certificate-arn-help = ACM 証明書の ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID) か IAM サーバー証明書の ARN を書きます
elb-ssl-policy-not-found = SSLPolicyNotFound: The specified SSL policy does not exist.
elb-ssl-policy-help = 定義済みのポリシーを指定します: ELBSecurityPolicy-TLS13-1-2-2021-06、ELBSecurityPolicy-2016-08 など
# requests: N (scenario/expectation/spread.rs)
expect-requests-served-by = `requests` は複数のリクエストを送って誰が答えるかを見ます: `servedBy` が必要です
expect-requests-served-by-help = servedBy: [task/web-1, task/web-2] か servedBy: service/NAME を追加します
expect-served-by-list = `servedBy` のリストには `requests` が必要です: 1 回のリクエストに答えるのは 1 つだけです
expect-served-by-list-help = requests: 6 を追加します (リストの各ターゲットが少なくとも 1 回答える必要があります)
expect-requests-reachable = `servedBy` 付きの `requests` には `reachable: true` が必要です
# never: onlyThrough (scenario/expectation.rs)
expect-only-through = `onlyThrough` はロードバランサーを指定します (`{ $endpoint }` と書かれています)
expect-only-through-help = `onlyThrough: alb/NAME` と書きます
# service spread zones (scenario/expectation/service_state.rs)
expect-spread-zone = `spread` が `{ $zone }` を指定していますが、シナリオのどのサブネットもそのゾーンにありません
expect-spread-zone-help = シナリオのゾーン: { $zones }
# targetHealth by service (scenario/expectation/target_health.rs)
expect-target-health-service = `service` はサービスのすべてのタスクを、登録されているすべてのターゲットグループで確認します: `targetGroup` と `target` は一緒に書けません
expect-target-health-service-help = `service` だけにするか、`targetGroup` と `target` を 1 つずつ書きます
expect-target-health-no-group = サービス `{ $service }` はタスクをどのターゲットグループにも登録していません
expect-target-health-no-group-help = サービスに loadBalancers: [{"{"} targetGroupArn, containerName, containerPort {"}"}] を付けます
# ecsnet stop (cli/stop.rs)
stop-no-such-task = ラボ { $lab } にタスク `{ $task }` はありません (タスク: { $known })
stop-not-running = task/{ $task } は実行中ではありません
stop-not-picked-up = ラボのエージェントが { $seconds } 秒以内に要求を受け取りませんでした (ラボは起動していますか? `ecsnet ls`)
stop-wait-timeout = task/{ $task } が時間内に停止しませんでした
stop-draining = task/{ $task } DEACTIVATING: ターゲットが { $seconds } 秒 (登録解除の遅延) ドレインしてから停止します
help-stop = 起動中のラボで StopTask: ecsnet stop LAB task/web [--reason TEXT] [--wait]。ターゲットグループのタスクはまずドレインし、サービスのタスクはサービススケジューラーが置き換えます
help-stop-reason = DescribeTasks が表示する理由 (stoppedReason)。既定は "Task stopped by user"
help-stop-wait = タスクが STOPPED になるまで待ちます (ターゲットのドレインが終わり、ENI が削除されるまで)
help-stop-task = task/NAME
update-left-over = ラボは更新されましたが、不要になったものの一部が残っています: { $error }
update-internal-error = 内部エラー (ecsnet のバグです。報告してください): { $error }。更新は取り消されました
update-rolling-back = ラボ { $lab } の更新に失敗しました。取り消しています
update-lab-busy = ラボ { $lab } は使用中です (別の ecsnet が構築・更新・削除しています)。更新しませんでした
ps-service-stopped = 停止済み: { $count } ({ $latest })
hosts-none = ホストがありません: ラボには少なくとも 1 台のホストが必要です
hosts-too-many = { $n } 台のホスト: ファブリックに収まるのは 253 台までです
hosts-duplicate = ホスト `{ $host }` が 2 回指定されています (名前またはアンダーレイのアドレスが重複しています)
hosts-mtu = ホスト `{ $host }`: アンダーレイの MTU { $mtu } では VXLAN (50 バイト) と IPv4 パケットが収まりません
hosts-unknown-host = サブネット `{ $subnet }` の割り当て先のホスト `{ $host }` は一覧にありません
hosts-unknown-subnet = サブネット `{ $subnet }` は VPC にありません
hosts-unassigned = サブネット `{ $subnet }` がどのホストにも割り当てられていません (または複数に割り当てられています)
hosts-split-task = タスク `{ $task }` の ENI が、インスタンス `{ $instance }` とは別のホストのサブネットにあります: ホストはサブネットとその中のインスタンスを丸ごと持ちます
import-param-cloudformation = --param は CloudFormation テンプレートのパラメータを与えるものです。Terraform のプランには変数の値がすでに入っています
import-one-plan = import terraform が読むのは 1 つのプランまたはステート（`terraform show -json`）です
import-cannot-write = { $path } に書き込めません: { $error }
import-not-carried = 取り込まれなかったもの: { $note }
import-assumed = 推定したもの (確認してください): { $note }
import-param-form = --param { $param }: NAME=VALUE の形で書いてください（例: --param VpcCidr=10.0.0.0/16）
sd-registry-ambiguous = Cloud Map サービス `{ $name }` が { $count } 個あります
sd-registry-ambiguous-help = { $names } のどれかを書いてください
sd-none-mode = ネットワークモード none のタスクには登録するアドレスがありません
sd-none-mode-help = awsvpc、bridge、host のどれかのネットワークモードを使ってください
sd-container-help = `containerName` と `containerPort`（そのコンテナのポートマッピング）を書いてください
sd-srv-help = Cloud Map サービス { $name } に `{"{"} type: SRV, ttl: 60 {"}"}` のレコードを加えてください
sd-srv-port = Cloud Map サービス { $name } には SRV レコードがあり、ポートが必要です
sd-srv-port-help = `port`、または `containerName` と `containerPort` を書いてください
sd-container-pair = `containerName` と `containerPort` は組で書きます
sd-bad-namespace = 名前空間名 `{ $name }` は使えません: { $why }
sd-namespace-help = `corp.local` や `internal.example.com` のような DNS 名を書いてください
sd-bad-service = Cloud Map サービス名 `{ $name }` は使えません
sd-service-help = DNS ラベル（英数字、`-`、`_`、63 文字まで）を書いてください。例: `backend`
sd-record-twice = { $kind } レコードが 2 つあります
sd-no-record = `dnsRecords` が空です
sd-record-help = `{"{"} type: A, ttl: 60 {"}"}` を加えてください
sd-record-not-emulated = { $kind } レコードはエミュレートしていません
sd-record-not-emulated-help = ラボの VPC に IPv6 はなく、ECS は CNAME を書きません: A か SRV を使ってください
sd-name-length = 1〜253 文字です
sd-name-dot = ラベルが 2 つ以上必要です（例: `corp.local`）
sd-name-labels = 各ラベルは英数字、`-`、`_` の 1〜63 文字で、`-` で始まったり終わったりしません
ps-service-discovery = 名前解決: { $name } ({ $kinds }): { $instances }
inspect-no-cloud-map = ラボ { $lab } に Cloud Map サービス `{ $name }` はありません
explain-name-no-address = { $name } はアドレスを返しません: 接続する先がありません
explain-name-address = -> { $address }:{ $port }
