# ecsnet のメッセージ (日本語)。ID は英語の原文 (Rust のコード) と対応し、ここに無いものは英語で表示されます。
# 用語は AWS の日本語ドキュメントに合わせています。

label-why = 理由
label-fix = 対処

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
help-explain = パケットが届く理由・届かない理由を、モデル上でホップごとに説明します: ecsnet explain LAB|FILE FROM TO:PORT
help-graph = トポロジーの図 (test --json の結果を --results で渡すと期待値を判定ごとに色分け)
help-ps = 起動中のラボの各インスタンスで `docker ps` が表示する内容: ecsnet ps LAB [--instance NAME]
help-inspect = 起動中のラボのコンテナの `docker inspect` (Docker の名前、ID の先頭 3 文字以上、またはノード名で指定)
help-schema = シナリオファイルの JSON Schema (エディタ用: `ecsnet schema > ecsnet.schema.json`)
help-logs = コンテナのプログラムの出力 (`docker logs`)、またはラボのエージェントのログ: ecsnet logs LAB task/web [-f]
help-exec = ノードの名前空間でコマンドを実行します: ecsnet exec LAB task/web -- ip addr
