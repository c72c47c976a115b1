package main

import (
	"fmt"
	"io"
	"math"
	"net/http"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// histogram is one Prometheus histogram as scraped: cumulative counts per
// upper bound, in increasing order.
type histogram struct {
	le, cum    []float64
	sum, count float64
}

// scrapeHistogram reads the histogram name from a /metrics URL (the text
// format, parsed by Prometheus' own expfmt rather than by hand).
func scrapeHistogram(c *http.Client, url, name string) (histogram, error) {
	resp, err := c.Get(url)
	if err != nil {
		return histogram{}, err
	}
	defer resp.Body.Close()
	return parseHistogram(resp.Body, name)
}

func parseHistogram(r io.Reader, name string) (histogram, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(r)
	if err != nil {
		return histogram{}, err
	}
	fam, ok := fams[name]
	if !ok || len(fam.GetMetric()) != 1 || fam.GetMetric()[0].GetHistogram() == nil {
		return histogram{}, fmt.Errorf("no histogram %s", name)
	}
	h := fam.GetMetric()[0].GetHistogram()
	out := histogram{sum: h.GetSampleSum(), count: float64(h.GetSampleCount())}
	for _, b := range h.GetBucket() {
		out.le = append(out.le, b.GetUpperBound())
		out.cum = append(out.cum, float64(b.GetCumulativeCount()))
	}
	return out, nil
}

// minus is what happened between two scrapes of the same histogram.
func (h histogram) minus(old histogram) histogram {
	out := histogram{le: h.le, sum: h.sum - old.sum, count: h.count - old.count}
	for i := range h.cum {
		out.cum = append(out.cum, h.cum[i]-old.cum[i])
	}
	return out
}

// quantileBound is the upper bound of the bucket holding quantile q: the
// true quantile is at most that (+Inf past the last bucket).
func (h histogram) quantileBound(q float64) float64 {
	want := q * h.count
	for i, c := range h.cum {
		if c >= want {
			return h.le[i]
		}
	}
	return math.Inf(1)
}
