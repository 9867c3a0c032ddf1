variable "grafana_url" {
  description = "Base URL of the Grafana instance, e.g. https://grafana.example.com"
  type        = string
}

variable "grafana_auth" {
  description = "Grafana service account token. Pass it as TF_VAR_grafana_auth; never commit it."
  type        = string
  sensitive   = true
}

variable "folder_title" {
  description = "Title of the Grafana folder that holds the dashboards"
  type        = string
  default     = "URL shortener"
}

variable "dashboards_dir" {
  description = "Directory of dashboard JSON files, relative to this module"
  type        = string
  default     = "../grafana/dashboards"
}

variable "prometheus_url" {
  description = "URL Grafana uses to reach Prometheus; empty to leave data sources alone"
  type        = string
  default     = ""
}
