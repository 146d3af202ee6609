// The seed's exercise (seeds/vpc-iam-ecs-basics): ECR DescribeImages from inside a task with
// the AWS SDK for JavaScript v3 and nothing but the region, for each repository named on the
// command line. Prints one JSON object: repository -> image tags, or the error's name and message.
const { ECRClient, DescribeImagesCommand } = require("@aws-sdk/client-ecr");

const [region, ...repositories] = process.argv.slice(2);
(async () => {
  const client = new ECRClient({ region, maxAttempts: 1 });
  const out = {};
  for (const repositoryName of repositories) {
    try {
      const r = await client.send(new DescribeImagesCommand({ repositoryName }));
      out[repositoryName] = r.imageDetails.flatMap((d) => d.imageTags || []);
    } catch (e) {
      out[repositoryName] = { error: e.name, message: e.message };
    }
  }
  console.log(JSON.stringify(out));
})();
