module github.com/eventai/eventai/services/suggestion

go 1.26.0

require github.com/eventai/eventai/libs v0.0.0

require github.com/stretchr/testify v1.12.1

require go.yaml.in/yaml/v3 v3.0.6 // indirect

replace github.com/eventai/eventai/libs => ../../libs
