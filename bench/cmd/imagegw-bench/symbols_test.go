package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// repoDirs are the directories, from the repository root, holding the
// code of imagegw's binary.
var repoDirs = []string{"proxy", "translate", "microversion", "cmd/imagegw"}

// decls indexes the functions and methods declared per package name.
type decls struct {
	funcs   map[string]map[string]bool // pkg -> function
	methods map[string]map[string]bool // pkg -> "Recv.Name"
	names   map[string]map[string]bool // pkg -> method name, any receiver
}

func newDecls() *decls {
	return &decls{funcs: map[string]map[string]bool{}, methods: map[string]map[string]bool{}, names: map[string]map[string]bool{}}
}

func (d *decls) addFile(f *ast.File) {
	pkg := f.Name.Name
	if d.funcs[pkg] == nil {
		d.funcs[pkg], d.methods[pkg], d.names[pkg] = map[string]bool{}, map[string]bool{}, map[string]bool{}
	}
	for _, decl := range f.Decls {
		fd, ok := decl.(*ast.FuncDecl)
		switch {
		case !ok:
		case fd.Recv == nil || len(fd.Recv.List) == 0:
			d.funcs[pkg][fd.Name.Name] = true
		default:
			d.methods[pkg][recvName(fd.Recv.List[0].Type)+"."+fd.Name.Name] = true
			d.names[pkg][fd.Name.Name] = true
		}
	}
}

// recvName is a receiver's base type name: T of *T, T[K] or (*T).
func recvName(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.StarExpr:
		return recvName(x.X)
	case *ast.ParenExpr:
		return recvName(x.X)
	case *ast.IndexExpr:
		return recvName(x.X)
	case *ast.IndexListExpr:
		return recvName(x.X)
	case *ast.Ident:
		return x.Name
	}
	return ""
}

// repoDecls parses the non-test Go files of repoDirs.
func repoDecls(t *testing.T) *decls {
	d := newDecls()
	fset := token.NewFileSet()
	for _, dir := range repoDirs {
		root := filepath.Join("..", "..", "..", filepath.FromSlash(dir))
		err := filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
			switch {
			case err != nil:
				return err
			case e.IsDir() && e.Name() == "testdata":
				return filepath.SkipDir
			case e.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go"):
				return nil
			}
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			d.addFile(f)
			return nil
		})
		require.NoError(t, err, dir)
	}
	require.NotEmpty(t, d.funcs["proxy"], "no proxy code found from %s", "../../../proxy")
	return d
}

// segments splits a symbol at the dots outside parentheses:
// "(*Server).read.func1" is "(*Server)", "read", "func1".
func segments(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth = max(depth-1, 0)
		case '.':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// generated matches the names the compiler adds below a function:
// closures (funcN, or N inside an inlined function), deferred and go'd
// wrappers, a trailing dot (a symbol cut there), and a package's variable
// initializer (init), which no declaration names.
var generated = regexp.MustCompile(`^(|init|[0-9]+|func[0-9]+|deferwrap[0-9]+|gowrap[0-9]+)$`)

// checkSymbol tells whether every function a stage symbol names is
// declared. A symbol is what perf prints for Go, cut anywhere on the left:
// [import path/][package.]{function|(*T).method|T.method|T).method}
// separated by dots, with generated names and "-fm" (method values) in
// between.
func checkSymbol(sym string, d *decls) error {
	segs := segments(sym[strings.LastIndex(sym, "/")+1:])
	pkgs := slices.Sorted(maps.Keys(d.funcs))
	if len(segs) > 1 && d.funcs[segs[0]] != nil {
		pkgs, segs = []string{segs[0]}, segs[1:]
	}
	named := 0
	for i := 0; i < len(segs); i++ {
		seg := strings.TrimSuffix(segs[i], "-fm")
		var err error
		switch {
		case generated.MatchString(seg):
			continue
		case strings.HasSuffix(seg, ")"):
			if i+1 == len(segs) {
				return fmt.Errorf("%s: receiver %s without a method", sym, seg)
			}
			i++
			err = d.method(pkgs, strings.Trim(seg, "(*)"), strings.TrimSuffix(segs[i], "-fm"))
		case i+1 < len(segs) && d.method(pkgs, seg, strings.TrimSuffix(segs[i+1], "-fm")) == nil:
			i++ // T.method: a value receiver
		default:
			err = d.function(pkgs, seg)
		}
		if err != nil {
			return fmt.Errorf("%s: %w (another module's symbol belongs in externalSymbols)", sym, err)
		}
		named++
	}
	if named == 0 {
		return fmt.Errorf("%s names no function", sym)
	}
	return nil
}

func (d *decls) method(pkgs []string, recv, name string) error {
	for _, p := range pkgs {
		if d.methods[p][recv+"."+name] {
			return nil
		}
	}
	return fmt.Errorf("no method %s.%s in %v", recv, name, pkgs)
}

// function also takes a method of that name: a symbol cut before the
// receiver matches it in a profile too.
func (d *decls) function(pkgs []string, name string) error {
	for _, p := range pkgs {
		if d.funcs[p][name] || d.names[p][name] {
			return nil
		}
	}
	return fmt.Errorf("no function %s in %v", name, pkgs)
}

// stageSymbols is every symbol of the stage table, once.
func stageSymbols() []string {
	var out []string
	for _, st := range stages {
		for _, sym := range slices.Concat(st.include, st.exclude) {
			if !slices.Contains(out, sym) {
				out = append(out, sym)
			}
		}
	}
	return out
}

// TestStageSymbolsAreDeclared fails when the breakdown names a function of
// imagegw that the code no longer declares (a rename): its row would only
// ever say "not in profile".
func TestStageSymbolsAreDeclared(t *testing.T) {
	d := repoDecls(t)
	for _, sym := range stageSymbols() {
		if slices.Contains(externalSymbols, sym) {
			continue
		}
		t.Run(sym, func(t *testing.T) {
			require.NoError(t, checkSymbol(sym, d))
		})
	}
}

// TestExternalSymbols keeps the unchecked list to what it is for: symbols
// in use by a stage, each qualified by a package that is not imagegw's.
func TestExternalSymbols(t *testing.T) {
	d := repoDecls(t)
	used := stageSymbols()
	for _, sym := range externalSymbols {
		t.Run(sym, func(t *testing.T) {
			require.Contains(t, used, sym, "no stage uses it")
			pkg := segments(sym[strings.LastIndex(sym, "/")+1:])[0]
			require.Regexp(t, `^[a-z][a-z0-9_]*$`, pkg, "not qualified by a package")
			require.Nil(t, d.funcs[pkg], "package %s is imagegw's: check the symbol instead", pkg)
		})
	}
}

const checkSource = `package proxy

type Server struct{}
type MemCache[K comparable] struct{}
type migrationReport struct{}

func New() *Server { return nil }
func newRequestID() string { return "" }
func (s *Server) requestLog() {}
func (s *Server) read() {}
func (s Server) pipeline() {}
func (c *MemCache[K]) Get() {}
func (r *migrationReport) record() {}
`

func TestCheckSymbol(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "x.go", checkSource, 0)
	require.NoError(t, err)
	d := newDecls()
	d.addFile(f)
	d.addFile(&ast.File{Name: ast.NewIdent("translate")})
	tests := []struct {
		sym string
		ok  bool
	}{
		{"(*Server).requestLog", true},
		{"migrationReport).record", true},
		{"proxy.(*MemCache).Get", true},
		{"proxy.newRequestID", true},
		{"github.com/imagegw/imagegw/proxy.(*Server).requestLog", true},
		{"proxy.New.(*Server).read.", true},
		{"proxy.init.func10.(*Server).read.1.1", true},
		{"proxy.(*Server).pipeline-fm.(*Server).pipeline.func1", true},
		{"proxy.Server.pipeline", true},
		{"requestLog", true},
		{"(*Server).read.", true},
		{"uuid.NewString", false},
		{"requestTimeout", false},
		{"proxy.(*Server).requestTimeout", false},
		{"translate.(*Server).requestLog", false},
		{"(*MemCache).Put", false},
		{"proxy.New.(*Server).write.", false},
		{"proxy.(*Server)", false},
		{"proxy.func1", false},
	}
	for _, tc := range tests {
		t.Run(tc.sym, func(t *testing.T) {
			err := checkSymbol(tc.sym, d)
			if tc.ok {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
			}
		})
	}
}

func TestSegments(t *testing.T) {
	tests := []struct {
		sym  string
		want []string
	}{
		{"proxy.(*Server).read.func1", []string{"proxy", "(*Server)", "read", "func1"}},
		{"migrationReport).record", []string{"migrationReport)", "record"}},
		{"(*Server).read.", []string{"(*Server)", "read", ""}},
		{"newRequestID", []string{"newRequestID"}},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, segments(tc.sym), tc.sym)
	}
}
