#!/usr/bin/env bats
# sv-publish.bats -- the command line of sv-publish

load ../helpers
bats_require_minimum_version 1.5.0

@test "--version names the tool" {
    run sv-publish --version
    [ "$status" -eq 0 ]
    assert_match "$output" "^sv-publish "
}
