package proxy

import (
	"context"
	"time"

	gocache "github.com/patrickmn/go-cache"
)

// projectNames names the migration report's projects through Keystone
// (Deps.Projects), remembering each answer (a name, or that there is
// none) for namesTTL: a report read costs Keystone calls only for
// projects it has not named lately, at most namesPerRead of them.
type projectNames struct {
	by    ProjectNamer // nil: ids only
	cache *gocache.Cache
}

const (
	namesTTL     = 10 * time.Minute
	namesPerRead = 100
)

func newProjectNames(by ProjectNamer) *projectNames {
	return &projectNames{by: by, cache: gocache.New(namesTTL, time.Minute)}
}

// name fills rows' ProjectName.
func (p *projectNames) name(ctx context.Context, rows []usage) {
	if p.by == nil {
		return
	}
	asked := 0
	for i := range rows {
		id := rows[i].Project
		if n, ok := p.cache.Get(id); ok {
			rows[i].ProjectName = n.(string)
			continue
		}
		if asked >= namesPerRead || ctx.Err() != nil {
			continue
		}
		asked++
		n := p.by.ProjectName(ctx, id)
		p.cache.SetDefault(id, n)
		rows[i].ProjectName = n
	}
}
