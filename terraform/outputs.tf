output "folder_uid" {
  description = "UID of the dashboards' folder"
  value       = grafana_folder.shortener.uid
}

output "dashboard_urls" {
  description = "URL of each dashboard, by file name"
  value       = { for name, d in grafana_dashboard.shortener : name => "${var.grafana_url}${d.url}" }
}
