// The CDK app behind PrivateEndpoints, Ec2Nlb and CloudMapFargate .template.json (see README.md).
const cdk = require('aws-cdk-lib');
const ec2 = require('aws-cdk-lib/aws-ec2');
const ecs = require('aws-cdk-lib/aws-ecs');
const ecr = require('aws-cdk-lib/aws-ecr');
const patterns = require('aws-cdk-lib/aws-ecs-patterns');
const app = new cdk.App();

// Isolated subnets reaching ECR, logs and S3 through VPC endpoints only; an internal ALB.
const pe = new cdk.Stack(app, 'PrivateEndpoints', { env: { account: '111122223333', region: 'ap-northeast-1' } });
const vpc = new ec2.Vpc(pe, 'Vpc', {
  maxAzs: 2, natGateways: 0,
  subnetConfiguration: [
    { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
    { name: 'app', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
  ],
});
vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });
for (const [id, svc] of [['EcrApi', ec2.InterfaceVpcEndpointAwsService.ECR], ['EcrDkr', ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER], ['Logs', ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS]]) {
  vpc.addInterfaceEndpoint(id, { service: svc, privateDnsEnabled: true });
}
const repo = ecr.Repository.fromRepositoryName(pe, 'Repo', 'orders');
const cluster = new ecs.Cluster(pe, 'Cluster', { vpc, containerInsights: true });
const orders = new patterns.ApplicationLoadBalancedFargateService(pe, 'Orders', {
  cluster, desiredCount: 2, publicLoadBalancer: false,
  taskSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
  taskImageOptions: { image: ecs.ContainerImage.fromEcrRepository(repo, 'v1'), containerPort: 8080,
    environment: { STAGE: 'prod' } },
});
orders.targetGroup.configureHealthCheck({ path: '/health' });

// EC2 capacity (an autoscaling group), bridge-mode tasks behind an NLB, a Cloud Map service.
const en = new cdk.Stack(app, 'Ec2Nlb', { env: { account: '111122223333', region: 'us-east-1' } });
const vpc2 = new ec2.Vpc(en, 'Vpc', { maxAzs: 2, natGateways: 1 });
const cluster2 = new ecs.Cluster(en, 'Cluster', { vpc: vpc2, defaultCloudMapNamespace: { name: 'internal.local' } });
cluster2.addCapacity('Asg', { instanceType: new ec2.InstanceType('t3.medium'), desiredCapacity: 2 });
const td = new ecs.Ec2TaskDefinition(en, 'Td', { networkMode: ecs.NetworkMode.BRIDGE });
const c = td.addContainer('api', { image: ecs.ContainerImage.fromRegistry('nginx:1.27'), memoryLimitMiB: 256,
  logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'api' }) });
c.addPortMappings({ containerPort: 80, hostPort: 0 });
new patterns.NetworkLoadBalancedEc2Service(en, 'Api', { cluster: cluster2, taskDefinition: td, desiredCount: 2,
  cloudMapOptions: { name: 'api' } });
// A web service behind an ALB that calls a backend found through Cloud Map (A records).
const sd = require('aws-cdk-lib/aws-servicediscovery');
const cm = new cdk.Stack(app, 'CloudMapFargate');
const cmVpc = new ec2.Vpc(cm, 'Vpc', { maxAzs: 2 });
const cmCluster = new ecs.Cluster(cm, 'Cluster', { vpc: cmVpc, defaultCloudMapNamespace: { name: 'svc.local' } });
const cmWeb = new patterns.ApplicationLoadBalancedFargateService(cm, 'Web', {
  cluster: cmCluster, desiredCount: 1, publicLoadBalancer: true,
  taskImageOptions: { image: ecs.ContainerImage.fromRegistry('amazon/amazon-ecs-sample'), containerPort: 80 },
});
const cmTd = new ecs.FargateTaskDefinition(cm, 'BackendTask');
cmTd.addContainer('api', { image: ecs.ContainerImage.fromRegistry('amazon/amazon-ecs-sample'), portMappings: [{ containerPort: 8080 }] });
const cmBackend = new ecs.FargateService(cm, 'Backend', {
  cluster: cmCluster, taskDefinition: cmTd, desiredCount: 2,
  cloudMapOptions: { name: 'backend', dnsRecordType: sd.DnsRecordType.A, dnsTtl: cdk.Duration.seconds(10) },
});
cmBackend.connections.allowFrom(cmWeb.service, ec2.Port.tcp(8080));

app.synth();
