module github.com/eventai/eventai/services/company

go 1.26.0

require github.com/eventai/eventai/libs v0.0.0

require (
	github.com/google/uuid v1.6.0 // indirect
	github.com/stretchr/testify v1.12.1 // indirect
)

replace github.com/eventai/eventai/libs => ../../libs
