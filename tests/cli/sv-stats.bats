#!/usr/bin/env bats
# sv-stats.bats -- the command line of sv-stats

load ../helpers
bats_require_minimum_version 1.5.0

@test "--version names the tool" {
    run sv-stats --version
    [ "$status" -eq 0 ]
    assert_match "$output" "^sv-stats "
}
