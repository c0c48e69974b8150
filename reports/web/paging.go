package web

import (
	"net/url"
	"strconv"
)

// pageSize is how many entries one page of the listing shows.
const pageSize = 100

// pager is one page of a listing: entries [From, To) of N, and links to
// the other pages that keep the query's filters.
type pager struct {
	Page, Pages int // 1-based; Pages is at least 1
	From, To, N int
	Prev, Next  string // hrefs; "" on the first or last page
	Links       []pageLink
}

// pageLink is a link to one page, or a gap ("…") between them.
type pageLink struct {
	Page    int
	Href    string
	Current bool
	Gap     bool
}

// paginate picks the page the query's "page" asks for (1 when it is
// missing or not a number, the last when past the end) of n entries, per
// on each page.
func paginate(q url.Values, n, per int) pager {
	p := pager{N: n, Pages: max(1, (n+per-1)/per)}
	p.Page, _ = strconv.Atoi(q.Get("page"))
	p.Page = min(max(p.Page, 1), p.Pages)
	p.From = (p.Page - 1) * per
	p.To = min(p.From+per, n)
	href := func(page int) string {
		v := url.Values{}
		for k, vs := range q {
			if k != "page" && len(vs) > 0 && vs[0] != "" {
				v.Set(k, vs[0])
			}
		}
		if page > 1 {
			v.Set("page", strconv.Itoa(page))
		}
		if len(v) == 0 {
			return "/"
		}
		return "/?" + v.Encode()
	}
	if p.Page > 1 {
		p.Prev = href(p.Page - 1)
	}
	if p.Page < p.Pages {
		p.Next = href(p.Page + 1)
	}
	if p.Pages == 1 {
		return p
	}
	// The first and last pages and those near this one; a gap for the rest.
	last := 0
	for i := 1; i <= p.Pages; i++ {
		if i != 1 && i != p.Pages && (i < p.Page-2 || i > p.Page+2) {
			continue
		}
		if last != 0 && i > last+1 {
			p.Links = append(p.Links, pageLink{Gap: true})
		}
		p.Links = append(p.Links, pageLink{Page: i, Href: href(i), Current: i == p.Page})
		last = i
	}
	return p
}
