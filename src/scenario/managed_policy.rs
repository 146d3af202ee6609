//! AWS managed policies by name, with the documents AWS serves today (the default version of
//! each, as `iam get-policy-version` returns it and the AWS Managed Policy reference shows it),
//! so a scenario can attach `AmazonECSTaskExecutionRolePolicy` and get exactly what AWS grants.
//! An ARN must use the policy's real path: `arn:aws:iam::aws:policy/service-role/...` for the
//! service-role ones, as IAM answers NoSuchEntity for any other path.

/// One AWS managed policy: its path, name, default version and document.
pub struct ManagedPolicy {
    /// `/` or `/service-role/`.
    pub path: &'static str,
    pub name: &'static str,
    pub version: &'static str,
    pub document: &'static str,
}

impl ManagedPolicy {
    pub fn arn(&self) -> String {
        format!("arn:aws:iam::aws:policy{}{}", self.path, self.name)
    }
}

/// The policy named `name_or_arn` (its bare name, or its ARN with its real path).
pub fn managed_policy(name_or_arn: &str) -> Option<&'static str> {
    find(name_or_arn).map(|p| p.document)
}

/// `managed_policy` with the policy's path and version.
pub fn find(name_or_arn: &str) -> Option<&'static ManagedPolicy> {
    match name_or_arn.strip_prefix("arn:aws:iam::aws:policy") {
        Some(rest) => MANAGED.iter().find(|p| rest.strip_prefix(p.path) == Some(p.name)),
        None => MANAGED.iter().find(|p| p.name == name_or_arn),
    }
}

pub static MANAGED: &[ManagedPolicy] = &[
    ManagedPolicy {
        path: "/service-role/",
        name: "AmazonECSTaskExecutionRolePolicy",
        version: "v1",
        document: r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [
        "ecr:GetAuthorizationToken",
        "ecr:BatchCheckLayerAvailability",
        "ecr:GetDownloadUrlForLayer",
        "ecr:BatchGetImage",
        "logs:CreateLogStream",
        "logs:PutLogEvents"
      ],
      "Resource": "*"
    }
  ]
}"#,
    },
    ManagedPolicy {
        path: "/service-role/",
        name: "AmazonEC2ContainerServiceforEC2Role",
        version: "v10",
        document: r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [
        "ec2:DescribeTags",
        "ecs:CreateCluster",
        "ecs:DeregisterContainerInstance",
        "ecs:DiscoverPollEndpoint",
        "ecs:Poll",
        "ecs:RegisterContainerInstance",
        "ecs:StartTelemetrySession",
        "ecs:UpdateContainerInstancesState",
        "ecs:Submit*",
        "ecr:GetAuthorizationToken",
        "ecr:BatchCheckLayerAvailability",
        "ecr:GetDownloadUrlForLayer",
        "ecr:BatchGetImage",
        "logs:CreateLogStream",
        "logs:PutLogEvents"
      ],
      "Resource": "*"
    },
    {
      "Effect": "Allow",
      "Action": "ecs:TagResource",
      "Resource": "*",
      "Condition": {
        "StringEquals": {
          "ecs:CreateAction": [
            "CreateCluster",
            "RegisterContainerInstance"
          ]
        }
      }
    },
    {
      "Effect": "Allow",
      "Action": [
        "ecs:ListTagsForResource"
      ],
      "Resource": [
        "arn:aws:ecs:*:*:task/*/*",
        "arn:aws:ecs:*:*:container-instance/*/*"
      ]
    }
  ]
}"#,
    },
    ManagedPolicy {
        path: "/",
        name: "AmazonEC2ContainerRegistryReadOnly",
        version: "v3",
        document: r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [
        "ecr:GetAuthorizationToken",
        "ecr:BatchCheckLayerAvailability",
        "ecr:GetDownloadUrlForLayer",
        "ecr:GetRepositoryPolicy",
        "ecr:DescribeRepositories",
        "ecr:ListImages",
        "ecr:DescribeImages",
        "ecr:BatchGetImage",
        "ecr:GetLifecyclePolicy",
        "ecr:GetLifecyclePolicyPreview",
        "ecr:ListTagsForResource",
        "ecr:DescribeImageScanFindings"
      ],
      "Resource": "*"
    }
  ]
}"#,
    },
    ManagedPolicy {
        path: "/",
        name: "AmazonEC2ContainerRegistryPowerUser",
        version: "v3",
        document: r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [
        "ecr:GetAuthorizationToken",
        "ecr:BatchCheckLayerAvailability",
        "ecr:GetDownloadUrlForLayer",
        "ecr:GetRepositoryPolicy",
        "ecr:DescribeRepositories",
        "ecr:ListImages",
        "ecr:DescribeImages",
        "ecr:BatchGetImage",
        "ecr:GetLifecyclePolicy",
        "ecr:GetLifecyclePolicyPreview",
        "ecr:ListTagsForResource",
        "ecr:DescribeImageScanFindings",
        "ecr:InitiateLayerUpload",
        "ecr:UploadLayerPart",
        "ecr:CompleteLayerUpload",
        "ecr:PutImage"
      ],
      "Resource": "*"
    }
  ]
}"#,
    },
    ManagedPolicy {
        path: "/",
        name: "AmazonS3ReadOnlyAccess",
        version: "v3",
        document: r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [
        "s3:Get*",
        "s3:List*",
        "s3:Describe*",
        "s3-object-lambda:Get*",
        "s3-object-lambda:List*"
      ],
      "Resource": "*"
    }
  ]
}"#,
    },
    ManagedPolicy {
        path: "/",
        name: "AmazonS3FullAccess",
        version: "v2",
        document: r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [
        "s3:*",
        "s3-object-lambda:*"
      ],
      "Resource": "*"
    }
  ]
}"#,
    },
    ManagedPolicy {
        path: "/",
        name: "AmazonSSMReadOnlyAccess",
        version: "v1",
        document: r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [
        "ssm:Describe*",
        "ssm:Get*",
        "ssm:List*"
      ],
      "Resource": "*"
    }
  ]
}"#,
    },
    ManagedPolicy {
        path: "/",
        name: "SecretsManagerReadWrite",
        version: "v5",
        document: r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "BasePermissions",
      "Effect": "Allow",
      "Action": [
        "secretsmanager:*",
        "cloudformation:CreateChangeSet",
        "cloudformation:DescribeChangeSet",
        "cloudformation:DescribeStackResource",
        "cloudformation:DescribeStacks",
        "cloudformation:ExecuteChangeSet",
        "docdb-elastic:GetCluster",
        "docdb-elastic:ListClusters",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSubnets",
        "ec2:DescribeVpcs",
        "kms:DescribeKey",
        "kms:ListAliases",
        "kms:ListKeys",
        "lambda:ListFunctions",
        "rds:DescribeDBClusters",
        "rds:DescribeDBInstances",
        "redshift:DescribeClusters",
        "redshift-serverless:ListWorkgroups",
        "redshift-serverless:GetNamespace",
        "tag:GetResources"
      ],
      "Resource": "*"
    },
    {
      "Sid": "LambdaPermissions",
      "Effect": "Allow",
      "Action": [
        "lambda:AddPermission",
        "lambda:CreateFunction",
        "lambda:GetFunction",
        "lambda:InvokeFunction",
        "lambda:UpdateFunctionConfiguration"
      ],
      "Resource": "arn:aws:lambda:*:*:function:SecretsManager*"
    },
    {
      "Sid": "SARPermissions",
      "Effect": "Allow",
      "Action": [
        "serverlessrepo:CreateCloudFormationChangeSet",
        "serverlessrepo:GetApplication"
      ],
      "Resource": "arn:aws:serverlessrepo:*:*:applications/SecretsManager*"
    },
    {
      "Sid": "S3Permissions",
      "Effect": "Allow",
      "Action": [
        "s3:GetObject"
      ],
      "Resource": [
        "arn:aws:s3:::awsserverlessrepo-changesets*",
        "arn:aws:s3:::secrets-manager-rotation-apps-*/*"
      ]
    }
  ]
}"#,
    },
    ManagedPolicy {
        path: "/",
        name: "CloudWatchLogsFullAccess",
        version: "v8",
        document: r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "CloudWatchLogsFullAccess",
      "Effect": "Allow",
      "Action": [
        "logs:*",
        "cloudwatch:GenerateQuery",
        "cloudwatch:GenerateQueryResultsSummary",
        "observabilityadmin:GetS3TableIntegration",
        "observabilityadmin:ListS3TableIntegrations",
        "observabilityadmin:ListTelemetryPipelines"
      ],
      "Resource": "*"
    }
  ]
}"#,
    },
    ManagedPolicy {
        path: "/",
        name: "CloudWatchAgentServerPolicy",
        version: "v3",
        document: r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "CWACloudWatchServerPermissions",
      "Effect": "Allow",
      "Action": [
        "cloudwatch:PutMetricData",
        "ec2:DescribeVolumes",
        "ec2:DescribeTags",
        "logs:PutLogEvents",
        "logs:PutRetentionPolicy",
        "logs:DescribeLogStreams",
        "logs:DescribeLogGroups",
        "logs:CreateLogStream",
        "logs:CreateLogGroup",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "xray:GetSamplingStatisticSummaries"
      ],
      "Resource": "*"
    },
    {
      "Sid": "CWASSMServerPermissions",
      "Effect": "Allow",
      "Action": [
        "ssm:GetParameter"
      ],
      "Resource": "arn:aws:ssm:*:*:parameter/AmazonCloudWatch-*"
    }
  ]
}"#,
    },
    ManagedPolicy {
        path: "/",
        name: "AWSCloudMapDiscoverInstanceAccess",
        version: "v2",
        document: r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [
        "servicediscovery:DiscoverInstances",
        "servicediscovery:DiscoverInstancesRevision"
      ],
      "Resource": "*"
    }
  ]
}"#,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::policy::{Effect, PolicyKind, parse_policy};

    #[test]
    fn every_managed_policy_parses_as_an_identity_policy() {
        for p in MANAGED {
            let d = parse_policy(p.document, PolicyKind::Identity).unwrap_or_else(|e| panic!("{}: {e:?}", p.name));
            assert_eq!(d.version.as_deref(), Some("2012-10-17"), "{}", p.name);
            assert!(d.statements.iter().all(|s| s.effect == Effect::Allow), "{}", p.name);
        }
    }

    #[test]
    fn names_and_arns_with_their_real_paths() {
        let exec = managed_policy("AmazonECSTaskExecutionRolePolicy").unwrap();
        assert!(exec.contains("ecr:GetAuthorizationToken"));
        assert_eq!(managed_policy("arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"), Some(exec));
        // IAM has no such policy at the root path.
        assert_eq!(managed_policy("arn:aws:iam::aws:policy/AmazonECSTaskExecutionRolePolicy"), None);
        assert!(managed_policy("arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role").is_some());
        assert!(managed_policy("arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly").is_some());
        assert!(managed_policy("arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerRegistryReadOnly").is_none());
        assert!(managed_policy("arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy").is_some());
        assert!(managed_policy("AmazonECSTaskExecutionRolePolicy ").is_none());
        assert!(managed_policy("amazonecstaskexecutionrolepolicy").is_none());
        assert!(managed_policy("arn:aws:iam::123456789012:policy/AmazonS3FullAccess").is_none());
        for p in MANAGED {
            assert_eq!(find(&p.arn()).map(|x| x.name), Some(p.name));
        }
    }
}
