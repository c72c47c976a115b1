package main

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/imagegw/imagegw/conformance"
)

func runCmd(args ...string) (int, string, string) {
	var out, errOut strings.Builder
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestUsage(t *testing.T) {
	code, _, stderr := runCmd()
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "usage: imagegw-conformance <command>")

	code, stdout, _ := runCmd("help")
	assert.Equal(t, 0, code)
	assert.Contains(t, stdout, "record")

	code, _, stderr = runCmd("bogus")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `unknown command "bogus"`)
}

func TestFlagHelp(t *testing.T) {
	for _, cmd := range []string{"record", "run", "list"} {
		code, _, stderr := runCmd(cmd, "-h")
		assert.Equal(t, 0, code, cmd)
		assert.Contains(t, stderr, "usage: imagegw-conformance "+cmd, cmd)
	}
	_, _, stderr := runCmd("run", "-h")
	for _, f := range []string{"-target", "-compare", "-golden", "-cloud-dir", "-deviations", "-reset", "-filter"} {
		assert.Contains(t, stderr, f)
	}
}

func TestRequiredFlags(t *testing.T) {
	code, _, stderr := runCmd("run", "--target", "http://x")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--target and --cloud-dir are required")

	code, _, stderr = runCmd("record", "--target", "http://x", "--cloud-dir", "/nonexistent", "--filter", "x")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "whole matrix")

	code, _, stderr = runCmd("run", "--target", "http://x", "--cloud-dir", "/d", "--filter", "(")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--filter")
}

func TestList(t *testing.T) {
	code, stdout, _ := runCmd("list")
	assert.Equal(t, 0, code)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	assert.Len(t, lines, len(conformance.Matrix()))
	assert.Equal(t, conformance.Matrix()[0].Name, lines[0])

	_, stdout, _ = runCmd("list", "-v")
	assert.Contains(t, stdout, "\tGET /v2.1/images?limit=2\n")
}
