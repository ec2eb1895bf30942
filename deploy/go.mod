module github.com/eventai/eventai/deploy

go 1.26.0

require github.com/eventai/eventai/libs v0.0.0

replace github.com/eventai/eventai/libs => ../libs
