{{/* The Certificate's name for a host: shortener-go-acme-com (63 characters at most). */}}
{{- define "shortener-ingress.certificateName" -}}
{{- printf "shortener-%s" (replace "." "-" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The Secret cert-manager writes the host's key pair to: shortener-go-acme-com-tls. */}}
{{- define "shortener-ingress.secretName" -}}
{{- printf "%s-tls" (include "shortener-ingress.certificateName" .) -}}
{{- end -}}

{{/* A host as the API accepts it: lower-case DNS name, no port, no wildcard. */}}
{{- define "shortener-ingress.checkHost" -}}
{{- if not (regexMatch "^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$" .) -}}
{{- fail (printf "domains: %q is not a lower-case host name (no port, no wildcard, punycode for IDNs)" .) -}}
{{- end -}}
{{- end -}}
