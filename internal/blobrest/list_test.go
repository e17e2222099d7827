package blobrest

import (
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			os.Stderr.WriteString("goleak: goroutines left after the tests: " + err.Error() + "\n")
			code = 1
		}
	}
	os.Exit(code)
}

// A response as the List Blobs reference shows it, elements not read included.
const referencePage = `<?xml version="1.0" encoding="utf-8"?>
<EnumerationResults ServiceEndpoint="https://acct.blob.core.windows.net/" ContainerName="c">
  <Prefix>out/</Prefix>
  <Marker>m0</Marker>
  <MaxResults>2</MaxResults>
  <Blobs>
    <Blob>
      <Name>out/a.csv</Name>
      <Properties>
        <Creation-Time>Mon, 01 Dec 2025 10:00:00 GMT</Creation-Time>
        <Last-Modified>Mon, 01 Dec 2025 10:00:00 GMT</Last-Modified>
        <Etag>0x8D</Etag>
        <Content-Length>42</Content-Length>
        <Content-Type>text/csv</Content-Type>
        <BlobType>BlockBlob</BlobType>
      </Properties>
      <Metadata><upload_status>completed</upload_status><hdi_isfolder>false</hdi_isfolder></Metadata>
    </Blob>
    <Blob>
      <Name Encoded="true">out/%EF%BF%BEodd%20name</Name>
      <Properties><Content-Length>0</Content-Length></Properties>
    </Blob>
    <BlobPrefix><Name>out/sub/</Name></BlobPrefix>
  </Blobs>
  <NextMarker>2!80!MDAwMDE0</NextMarker>
</EnumerationResults>`

func TestParsePage(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    Page
		wantErr string
	}{
		{name: "reference shape", body: referencePage, want: Page{NextMarker: "2!80!MDAwMDE0", Blobs: []Blob{
			{Name: "out/a.csv", Size: 42, Metadata: map[string]string{"upload_status": "completed", "hdi_isfolder": "false"}},
			{Name: "out/\uFFFEodd name"},
		}}},
		{name: "last page, empty NextMarker", body: `<EnumerationResults><Blobs><Blob><Name>x</Name></Blob></Blobs><NextMarker/></EnumerationResults>`,
			want: Page{Blobs: []Blob{{Name: "x"}}}},
		{name: "no blobs", body: `<EnumerationResults><Blobs/><NextMarker/></EnumerationResults>`, want: Page{Blobs: []Blob{}}},
		{name: "Encoded=false is taken as is", body: `<EnumerationResults><Blobs><Blob><Name Encoded="false">a%20b</Name></Blob></Blobs></EnumerationResults>`,
			want: Page{Blobs: []Blob{{Name: "a%20b"}}}},
		{name: "bad escape in an encoded name", body: `<EnumerationResults><Blobs><Blob><Name Encoded="true">a%zz</Name></Blob></Blobs></EnumerationResults>`,
			wantErr: "a%zz"},
		{name: "size not a number", body: `<EnumerationResults><Blobs><Blob><Name>a</Name><Properties><Content-Length>x</Content-Length></Properties></Blob></Blobs></EnumerationResults>`,
			wantErr: "Content-Length"},
		{name: "negative size", body: `<EnumerationResults><Blobs><Blob><Name>a</Name><Properties><Content-Length>-1</Content-Length></Properties></Blob></Blobs></EnumerationResults>`,
			wantErr: "Content-Length"},
		{name: "another document", body: `<Error><Code>ContainerNotFound</Code></Error>`, wantErr: "EnumerationResults"},
		{name: "truncated", body: `<EnumerationResults><Blobs><Blob><Name>a`, wantErr: "EOF"},
		{name: "empty body", body: ``, wantErr: "EOF"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParsePage([]byte(tc.body))
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// pageXML renders p as a List Blobs body, names always URL-encoded so any
// string survives.
func pageXML(p Page) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><EnumerationResults><Blobs>`)
	for _, bl := range p.Blobs {
		b.WriteString(`<Blob><Name Encoded="true">` + url.QueryEscape(bl.Name) + `</Name><Properties><Content-Length>` +
			strconv.FormatInt(bl.Size, 10) + `</Content-Length></Properties>`)
		if bl.Metadata != nil {
			b.WriteString("<Metadata>")
			for k, v := range bl.Metadata {
				b.WriteString("<" + k + ">")
				_ = xml.EscapeText(&b, []byte(v))
				b.WriteString("</" + k + ">")
			}
			b.WriteString("</Metadata>")
		}
		b.WriteString("</Blob>")
	}
	b.WriteString("</Blobs><NextMarker>")
	_ = xml.EscapeText(&b, []byte(p.NextMarker))
	b.WriteString("</NextMarker></EnumerationResults>")
	return []byte(b.String())
}

// FuzzParsePage: any body parses or fails without panicking, and what parses
// survives a render and parse again unchanged.
func FuzzParsePage(f *testing.F) {
	f.Add([]byte(referencePage))
	f.Add([]byte(`<EnumerationResults><Blobs/><NextMarker/></EnumerationResults>`))
	f.Add([]byte(`<EnumerationResults><Blobs><Blob><Name Encoded="true">%41</Name><Metadata><k>v</k><k>w</k></Metadata></Blob></Blobs></EnumerationResults>`))
	f.Add([]byte(`<Error><Code>X</Code></Error>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := ParsePage(body)
		if err != nil {
			return
		}
		for _, b := range p.Blobs {
			require.GreaterOrEqual(t, b.Size, int64(0))
		}
		if !validXMLText(p) {
			return // XML cannot carry it back; the service would have encoded it
		}
		again, err := ParsePage(pageXML(p))
		require.NoError(t, err)
		require.Equal(t, p, again)
	})
}

// validXMLText reports whether p's metadata keys are XML names and its text
// only characters XML can carry, so that pageXML can render it.
func validXMLText(p Page) bool {
	ok := func(s string) bool {
		var got string
		return xml.Unmarshal([]byte("<a>"+xmlEscape(s)+"</a>"), &got) == nil && got == s
	}
	if !ok(p.NextMarker) {
		return false
	}
	for _, b := range p.Blobs {
		for k, v := range b.Metadata {
			if xml.Unmarshal([]byte("<"+k+"/>"), new(struct{})) != nil || strings.ContainsAny(k, ":") || !ok(v) {
				return false
			}
		}
	}
	return true
}

func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// listServer serves blobs in pages of pageSize (maxresults overrides it) and
// records each request.
type listServer struct {
	blobs    []string
	pageSize int
	mu       sync.Mutex
	reqs     []*http.Request
}

func (s *listServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.reqs = append(s.reqs, r.Clone(context.Background()))
	s.mu.Unlock()
	q := r.URL.Query()
	size := s.pageSize
	if m := q.Get("maxresults"); m != "" {
		size, _ = strconv.Atoi(m)
	}
	var match []string
	for _, b := range s.blobs {
		if strings.HasPrefix(b, q.Get("prefix")) {
			match = append(match, b)
		}
	}
	start := 0
	if m := q.Get("marker"); m != "" {
		start, _ = strconv.Atoi(strings.TrimPrefix(m, "mk"))
	}
	end := min(start+size, len(match))
	p := Page{}
	for _, b := range match[start:end] {
		p.Blobs = append(p.Blobs, Blob{Name: b, Size: int64(len(b))})
	}
	if end < len(match) {
		p.NextMarker = "mk" + strconv.Itoa(end)
	}
	w.Header().Set("Content-Type", "application/xml")
	_, _ = w.Write(pageXML(p))
}

// listAll pages through the listing as a caller does.
func listAll(ctx context.Context, pl runtime.Pipeline, u string, o ListOptions) ([]string, int, error) {
	var names []string
	pages := 0
	for {
		p, err := ListPage(ctx, pl, u, o)
		if err != nil {
			return names, pages, err
		}
		pages++
		for _, b := range p.Blobs {
			names = append(names, b.Name)
		}
		if o.Marker = p.NextMarker; o.Marker == "" {
			return names, pages, nil
		}
	}
}

func testPipeline() runtime.Pipeline {
	return runtime.NewPipeline("blobrest.test", "v0", runtime.PipelineOptions{}, &policy.ClientOptions{Retry: policy.RetryOptions{MaxRetries: -1}})
}

func TestListPagePaging(t *testing.T) {
	blobs := []string{"in/x", "out/a b", "out/c", "out/d/e", "out/f", "out/g"}
	tests := []struct {
		name      string
		pageSize  int
		opts      ListOptions
		query     string // the container URL's own query (a SAS)
		want      []string
		wantPages int
	}{
		{name: "one page", pageSize: 10, opts: ListOptions{Prefix: "out/"}, want: blobs[1:], wantPages: 1},
		{name: "pages by NextMarker", pageSize: 2, opts: ListOptions{Prefix: "out/"}, want: blobs[1:], wantPages: 3},
		{name: "maxresults", pageSize: 10, opts: ListOptions{Prefix: "out/", MaxResults: 4}, want: blobs[1:], wantPages: 2},
		{name: "whole container", pageSize: 4, want: blobs, wantPages: 2},
		{name: "nothing below the prefix", pageSize: 2, opts: ListOptions{Prefix: "none/"}, want: nil, wantPages: 1},
		{name: "SAS query kept as given", pageSize: 2, opts: ListOptions{Prefix: "out/", Metadata: true}, query: "sv=2025-01-05&sp=rl&sig=a%2Bb%3D",
			want: blobs[1:], wantPages: 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ls := &listServer{blobs: blobs, pageSize: tc.pageSize}
			srv := httptest.NewServer(ls)
			defer srv.Close()
			u := srv.URL + "/acct/c"
			if tc.query != "" {
				u += "?" + tc.query
			}
			got, pages, err := listAll(context.Background(), testPipeline(), u, tc.opts)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.wantPages, pages)
			require.Len(t, ls.reqs, tc.wantPages)
			for i, r := range ls.reqs {
				assert.Equal(t, http.MethodGet, r.Method)
				assert.Equal(t, "/acct/c", r.URL.Path)
				assert.Equal(t, Version, r.Header.Get("x-ms-version"))
				q := r.URL.Query()
				assert.Equal(t, "container", q.Get("restype"))
				assert.Equal(t, "list", q.Get("comp"))
				assert.Equal(t, tc.opts.Prefix, q.Get("prefix"))
				assert.NotContains(t, r.URL.RawQuery, "+", "spaces go as %20")
				if tc.opts.MaxResults > 0 {
					assert.Equal(t, strconv.Itoa(tc.opts.MaxResults), q.Get("maxresults"))
				}
				if i == 0 {
					assert.False(t, q.Has("marker"))
				} else {
					assert.NotEmpty(t, q.Get("marker"))
				}
				if tc.opts.Metadata {
					assert.Equal(t, "metadata", q.Get("include"))
				} else {
					assert.False(t, q.Has("include"))
				}
				if tc.query != "" {
					assert.True(t, strings.HasPrefix(r.URL.RawQuery, tc.query+"&"), r.URL.RawQuery)
				}
			}
		})
	}
}

func TestListPageErrors(t *testing.T) {
	const notFound = `<?xml version="1.0" encoding="utf-8"?><Error><Code>ContainerNotFound</Code><Message>The specified container does not exist.</Message></Error>`
	tests := []struct {
		name       string
		status     int
		header     string // x-ms-error-code
		body       string
		wantStatus int
		wantCode   bloberror.Code
		wantErr    string
	}{
		{name: "code in the header and the body", status: 404, header: "ContainerNotFound", body: notFound, wantStatus: 404, wantCode: bloberror.ContainerNotFound},
		{name: "code only in the XML body", status: 404, body: notFound, wantStatus: 404, wantCode: bloberror.ContainerNotFound},
		{name: "authentication failed", status: 403, header: "AuthenticationFailed",
			body:       `<Error><Code>AuthenticationFailed</Code><Message>Server failed to authenticate the request.</Message></Error>`,
			wantStatus: 403, wantCode: bloberror.AuthenticationFailed},
		{name: "no code at all", status: 500, body: "oops", wantStatus: 500},
		{name: "200 that is not a listing", status: 200, body: "<html>proxy login</html>", wantErr: "reading the blob listing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.header != "" {
					w.Header().Set("x-ms-error-code", tc.header)
				}
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			_, err := ListPage(context.Background(), testPipeline(), srv.URL+"/acct/c", ListOptions{Prefix: "p/"})
			require.Error(t, err)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				var re *azcore.ResponseError
				assert.False(t, errors.As(err, &re))
				return
			}
			var re *azcore.ResponseError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, tc.wantStatus, re.StatusCode)
			assert.Equal(t, string(tc.wantCode), re.ErrorCode)
			if tc.wantCode != "" {
				assert.True(t, bloberror.HasCode(err, tc.wantCode))
			}
		})
	}
}
