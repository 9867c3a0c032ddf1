#!/usr/bin/env bash
# Creates the EKS cluster and everything the manifests rely on, idempotently where the tools allow:
#   - the cluster (eksctl): one managed node group of t3.small spot instances, 1-3 nodes, OIDC for IRSA;
#   - the AWS Load Balancer Controller, cert-manager and metrics-server (Helm), for the Ingress, TLS and HPA;
#   - Bitnami PostgreSQL and Redis with helm/values-*.yaml, and their password Secrets (random, never printed);
#   - the Secret shortener-secrets (DATABASE_URL, REDIS_URL) the Deployments reference;
#   - Prometheus + Pushgateway and Fluent Bit (CloudWatch) in `monitoring` / `logging`;
#   - k8s/cluster (the ClusterIssuer), then the overlay (default prod);
#   - access for the GitHub deploy role (scripts/setup-ecr.sh) through an EKS access entry.
#   EKS_CLUSTER=url-shortener AWS_REGION=us-east-1 OVERLAY=prod IMAGE_TAG=<commit SHA> scripts/setup-eks.sh
# Run it after deploy.yml has pushed images once (setup-ecr.sh, then a push to main), so IMAGE_TAG exists.
# Needs aws, eksctl, kubectl and helm, and administrator credentials.
set -euo pipefail
cd "$(dirname "$0")/.."

cluster="${EKS_CLUSTER:-url-shortener}"
region="${AWS_REGION:-us-east-1}"
overlay="${OVERLAY:-prod}"
namespace="${K8S_NAMESPACE:-shortener}"
deploy_role="${DEPLOY_ROLE_NAME:-url-shortener-github-deploy}"
for tool in aws eksctl kubectl helm openssl; do
  command -v "$tool" >/dev/null || { echo "setup-eks: $tool is required" >&2; exit 1; }
done
account="$(aws sts get-caller-identity --query Account --output text)"

if ! eksctl get cluster --name "$cluster" --region "$region" >/dev/null 2>&1; then
  eksctl create cluster --name "$cluster" --region "$region" --version 1.30 --with-oidc \
    --managed --spot --instance-types t3.small --nodes 2 --nodes-min 1 --nodes-max 3 \
    --node-volume-size 30 --asg-access
fi
aws eks update-kubeconfig --name "$cluster" --region "$region"
kubectl get ns "$namespace" >/dev/null 2>&1 || kubectl create namespace "$namespace"

# AWS Load Balancer Controller with its IAM role (IRSA).
if ! aws iam get-policy --policy-arn "arn:aws:iam::$account:policy/AWSLoadBalancerControllerIAMPolicy" >/dev/null 2>&1; then
  curl -fsSL -o /tmp/alb-iam-policy.json \
    https://raw.githubusercontent.com/kubernetes-sigs/aws-load-balancer-controller/v2.8.1/docs/install/iam_policy.json
  aws iam create-policy --policy-name AWSLoadBalancerControllerIAMPolicy \
    --policy-document file:///tmp/alb-iam-policy.json >/dev/null
fi
eksctl create iamserviceaccount --cluster "$cluster" --region "$region" --namespace kube-system \
  --name aws-load-balancer-controller --role-name "$cluster-alb-controller" \
  --attach-policy-arn "arn:aws:iam::$account:policy/AWSLoadBalancerControllerIAMPolicy" \
  --approve --override-existing-serviceaccounts
helm repo add eks https://aws.github.io/eks-charts >/dev/null
helm repo add jetstack https://charts.jetstack.io >/dev/null
helm repo add metrics-server https://kubernetes-sigs.github.io/metrics-server/ >/dev/null
helm repo add prometheus-community https://prometheus-community.github.io/helm-charts >/dev/null
helm repo add fluent https://fluent.github.io/helm-charts >/dev/null
helm repo update >/dev/null
vpc_id="$(aws eks describe-cluster --name "$cluster" --region "$region" --query cluster.resourcesVpcConfig.vpcId --output text)"
helm upgrade --install aws-load-balancer-controller eks/aws-load-balancer-controller -n kube-system \
  --set clusterName="$cluster" --set serviceAccount.create=false \
  --set serviceAccount.name=aws-load-balancer-controller --set region="$region" --set vpcId="$vpc_id" --wait
helm upgrade --install cert-manager jetstack/cert-manager -n cert-manager --create-namespace \
  --set crds.enabled=true --wait
helm upgrade --install metrics-server metrics-server/metrics-server -n kube-system --wait

# Database and Redis passwords: generated once, kept in Secrets, never printed.
secret_exists() { kubectl -n "$namespace" get secret "$1" >/dev/null 2>&1; }
if ! secret_exists shortener-postgresql-auth; then
  kubectl -n "$namespace" create secret generic shortener-postgresql-auth \
    --from-literal=postgres-password="$(openssl rand -hex 24)" --from-literal=password="$(openssl rand -hex 24)"
fi
if ! secret_exists shortener-redis-auth; then
  kubectl -n "$namespace" create secret generic shortener-redis-auth --from-literal=redis-password="$(openssl rand -hex 24)"
fi
helm upgrade --install shortener-postgresql oci://registry-1.docker.io/bitnamicharts/postgresql \
  -n "$namespace" -f helm/values-postgresql.yaml --wait
helm upgrade --install shortener-redis oci://registry-1.docker.io/bitnamicharts/redis \
  -n "$namespace" -f helm/values-redis.yaml --wait
if ! secret_exists shortener-secrets; then
  pg_password="$(kubectl -n "$namespace" get secret shortener-postgresql-auth -o jsonpath='{.data.password}' | base64 -d)"
  redis_password="$(kubectl -n "$namespace" get secret shortener-redis-auth -o jsonpath='{.data.redis-password}' | base64 -d)"
  kubectl -n "$namespace" create secret generic shortener-secrets \
    --from-literal=database-url="postgres://shortener:$pg_password@shortener-postgresql.$namespace.svc:5432/shortener" \
    --from-literal=redis-url="redis://:$redis_password@shortener-redis-master.$namespace.svc:6379"
fi

# Monitoring: Prometheus with prometheus/alerts.yml and the scrape jobs of prometheus/prometheus.yml, and the
# Pushgateway (Service prometheus-pushgateway.monitoring:9091), as Helm values generated from those files.
kubectl get ns monitoring >/dev/null 2>&1 || kubectl create namespace monitoring
[ -d tools/deploy-check/node_modules ] || (cd tools/deploy-check && npm ci --ignore-scripts --no-audit --no-fund)
node tools/deploy-check/prometheus-values.mjs >/tmp/shortener-prometheus-values.yaml
helm upgrade --install prometheus prometheus-community/prometheus -n monitoring \
  -f /tmp/shortener-prometheus-values.yaml --wait

# Logs: Fluent Bit with fluent-bit/*.conf, shipping to CloudWatch through an IRSA role.
eksctl create iamserviceaccount --cluster "$cluster" --region "$region" --namespace logging --name fluent-bit \
  --role-name "$cluster-fluent-bit" --attach-policy-arn arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy \
  --approve --override-existing-serviceaccounts
kubectl -n logging create configmap fluent-bit-config --from-file=fluent-bit/ --dry-run=client -o yaml \
  | kubectl apply -f -
helm upgrade --install fluent-bit fluent/fluent-bit -n logging \
  --set serviceAccount.create=false --set serviceAccount.name=fluent-bit \
  --set existingConfigMap=fluent-bit-config \
  --set env[0].name=AWS_REGION --set env[0].value="$region" \
  --set env[1].name=CLUSTER_NAME --set env[1].value="$cluster" --wait

# The deploy role may update Deployments and Jobs in the app's namespace.
role_arn="arn:aws:iam::$account:role/$deploy_role"
if aws iam get-role --role-name "$deploy_role" >/dev/null 2>&1; then
  aws eks create-access-entry --cluster-name "$cluster" --region "$region" --principal-arn "$role_arn" \
    >/dev/null 2>&1 || true
  aws eks associate-access-policy --cluster-name "$cluster" --region "$region" --principal-arn "$role_arn" \
    --policy-arn arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy \
    --access-scope "type=namespace,namespaces=$namespace" >/dev/null
fi

kubectl apply -k k8s/cluster
# The overlays name a placeholder registry and the tag `latest`, which the immutable ECR repositories never
# hold: apply with this account's registry and an image tag deploy.yml pushed (default: this commit).
tag="${IMAGE_TAG:-$(git rev-parse HEAD)}"
kubectl kustomize "k8s/overlays/$overlay" \
  | sed -E -e "s#123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com#$account.dkr.ecr.$region.amazonaws.com#" \
           -e "s#(/url-shortener/(api|worker|frontend)):latest#\1:$tag#" \
  | kubectl apply -f -
echo "setup-eks: done. Point DNS (Route 53 CNAME/alias) at:"
kubectl -n "$namespace" get ingress shortener -o jsonpath='{.status.loadBalancer.ingress[0].hostname}{"\n"}' || true
