// Package composetest checks docker-compose.yml without a Docker engine: its tests load the file
// with the compose specification's Go loader (the one docker compose itself uses) and hold it to
// what the stack needs — every process built from the shared recipe, ports, settings,
// healthchecks, start order and volumes — and check that the recipe's build steps resolve.
package composetest
