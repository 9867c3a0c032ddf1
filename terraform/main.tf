# Applies grafana/dashboards/*.json to Grafana: one folder, one dashboard per file, and optionally the
# Prometheus data source the dashboards' ${datasource} variable picks up.
#   export TF_VAR_grafana_auth=…   # a service account token with the Editor role
#   terraform init && terraform apply -var grafana_url=https://grafana.example.com

provider "grafana" {
  url  = var.grafana_url
  auth = var.grafana_auth
}

locals {
  dashboard_files = fileset("${path.module}/${var.dashboards_dir}", "*.json")
}

resource "grafana_folder" "shortener" {
  title = var.folder_title
  uid   = "url-shortener"
}

resource "grafana_dashboard" "shortener" {
  for_each = local.dashboard_files

  folder      = grafana_folder.shortener.uid
  config_json = file("${path.module}/${var.dashboards_dir}/${each.value}")
  overwrite   = true
  message     = "Applied by Terraform from grafana/dashboards/${each.value}"
}

resource "grafana_data_source" "prometheus" {
  count = var.prometheus_url == "" ? 0 : 1

  type       = "prometheus"
  name       = "Prometheus"
  uid        = "prometheus"
  url        = var.prometheus_url
  is_default = true
}
