#!/usr/bin/env bash
# Creates what deploy.yml needs in AWS, idempotently: the three ECR repositories (api, worker, frontend;
# immutable tags, scan on push, keep the last 50 images), GitHub's OIDC identity provider, and the IAM role
# the workflow assumes (push to these repositories, describe the EKS cluster).
#   GITHUB_REPO=owner/url-shortener EKS_CLUSTER=url-shortener scripts/setup-ecr.sh
# Needs the aws CLI with administrator credentials. Prints the role ARN for the AWS_DEPLOY_ROLE_ARN secret.
# The role still needs Kubernetes rights: scripts/setup-eks.sh maps it to the deployer group.
set -euo pipefail

region="${AWS_REGION:-us-east-1}"
repo_prefix="${ECR_PREFIX:-url-shortener}"
github_repo="${GITHUB_REPO:?set GITHUB_REPO=owner/name}"
cluster="${EKS_CLUSTER:-url-shortener}"
role_name="${DEPLOY_ROLE_NAME:-url-shortener-github-deploy}"
account="$(aws sts get-caller-identity --query Account --output text)"

for image in api worker frontend; do
  name="$repo_prefix/$image"
  if aws ecr describe-repositories --region "$region" --repository-names "$name" >/dev/null 2>&1; then
    echo "setup-ecr: $name exists"
  else
    aws ecr create-repository --region "$region" --repository-name "$name" \
      --image-tag-mutability IMMUTABLE --image-scanning-configuration scanOnPush=true >/dev/null
    echo "setup-ecr: created $name"
  fi
  aws ecr put-lifecycle-policy --region "$region" --repository-name "$name" --lifecycle-policy-text '{
    "rules": [{"rulePriority": 1, "description": "keep the last 50 images",
               "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 50},
               "action": {"type": "expire"}}]}' >/dev/null
done

provider_arn="arn:aws:iam::$account:oidc-provider/token.actions.githubusercontent.com"
if ! aws iam get-open-id-connect-provider --open-id-connect-provider-arn "$provider_arn" >/dev/null 2>&1; then
  aws iam create-open-id-connect-provider --url https://token.actions.githubusercontent.com \
    --client-id-list sts.amazonaws.com \
    --thumbprint-list 6938fd4d98bab03faadb97b34396831e3780aea1 >/dev/null
  echo "setup-ecr: created the GitHub OIDC provider"
fi

# Only workflow runs on main of this repository may assume the role.
trust="$(cat <<JSON
{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
  "Principal": {"Federated": "$provider_arn"},
  "Action": "sts:AssumeRoleWithWebIdentity",
  "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                "StringLike": {"token.actions.githubusercontent.com:sub": ["repo:$github_repo:ref:refs/heads/main",
                                                                           "repo:$github_repo:environment:production"]}}}]}
JSON
)"
if aws iam get-role --role-name "$role_name" >/dev/null 2>&1; then
  aws iam update-assume-role-policy --role-name "$role_name" --policy-document "$trust"
else
  aws iam create-role --role-name "$role_name" --assume-role-policy-document "$trust" >/dev/null
  echo "setup-ecr: created role $role_name"
fi
policy="$(cat <<JSON
{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
  {"Effect": "Allow", "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload",
     "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart", "ecr:GetDownloadUrlForLayer"],
   "Resource": "arn:aws:ecr:$region:$account:repository/$repo_prefix/*"},
  {"Effect": "Allow", "Action": "eks:DescribeCluster", "Resource": "arn:aws:eks:$region:$account:cluster/$cluster"}]}
JSON
)"
aws iam put-role-policy --role-name "$role_name" --policy-name deploy --policy-document "$policy"
echo "setup-ecr: AWS_DEPLOY_ROLE_ARN=arn:aws:iam::$account:role/$role_name"
echo "setup-ecr: registry $account.dkr.ecr.$region.amazonaws.com/$repo_prefix/{api,worker,frontend}"
