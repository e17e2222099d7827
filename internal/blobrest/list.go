// Package blobrest is the one Blob service operation the module needs that
// azblob only offers through its container package: List Blobs. That package
// links Apache Arrow (for its query feature) and ~6 MB and ~0.8 ms of package
// init with it, so listing is done here on an azcore pipeline, with the same
// authentication the azblob clients use (a SAS in the URL, Shared Key, or a
// bearer token for the storage scope). Every other blob operation stays on
// azblob's blob and blockblob packages.
package blobrest

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// Version is the x-ms-version sent: the one azblob v1.8.3 sends, so that
// listing and the other blob operations speak the same service version.
const Version = "2026-12-06"

// Blob is one entry of a List Blobs page.
type Blob struct {
	Name string
	// Size is Properties/Content-Length.
	Size int64
	// Metadata is set only when listed with ListOptions.Metadata.
	Metadata map[string]string
}

// Page is one List Blobs response.
type Page struct {
	Blobs []Blob
	// NextMarker continues the listing; "" on the last page.
	NextMarker string
}

// ListOptions select a page; the zero value lists the container's first page.
type ListOptions struct {
	Prefix string
	Marker string
	// MaxResults caps the page (0 = the service's default, 5,000).
	MaxResults int
	// Metadata includes each blob's metadata (include=metadata).
	Metadata bool
}

// ListPage sends one List Blobs request for containerURL (which may carry a
// SAS query) on pl:
//
//	GET {container}?restype=container&comp=list&prefix=…&marker=…&maxresults=…&include=metadata
//	x-ms-version: Version
//
// A response other than 200 is an *azcore.ResponseError whose ErrorCode is
// the storage error code (x-ms-error-code, else the XML body's Code), as
// azblob reports it, so bloberror.HasCode works on it.
// See https://learn.microsoft.com/rest/api/storageservices/list-blobs.
func ListPage(ctx context.Context, pl runtime.Pipeline, containerURL string, o ListOptions) (Page, error) {
	q := url.Values{"restype": {"container"}, "comp": {"list"}}
	if o.Prefix != "" {
		q.Set("prefix", o.Prefix)
	}
	if o.Marker != "" {
		q.Set("marker", o.Marker)
	}
	if o.MaxResults > 0 {
		q.Set("maxresults", strconv.Itoa(o.MaxResults))
	}
	if o.Metadata {
		q.Set("include", "metadata")
	}
	// Appended, not re-encoded: a SAS query stays byte for byte as given.
	// Spaces as %20, as azblob sends them.
	sep := "?"
	if strings.Contains(containerURL, "?") {
		sep = "&"
	}
	req, err := runtime.NewRequest(ctx, http.MethodGet, containerURL+sep+strings.ReplaceAll(q.Encode(), "+", "%20"))
	if err != nil {
		return Page{}, err
	}
	req.Raw().Header["x-ms-version"] = []string{Version}
	req.Raw().Header["Accept"] = []string{"application/xml"}
	resp, err := pl.Do(req)
	if err != nil {
		return Page{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return Page{}, runtime.NewResponseError(resp)
	}
	body, err := runtime.Payload(resp)
	if err != nil {
		return Page{}, err
	}
	p, err := ParsePage(body)
	if err != nil {
		return Page{}, fmt.Errorf("reading the blob listing: %w", err)
	}
	return p, nil
}

// ParsePage decodes a List Blobs response body. The shape, from the List
// Blobs reference (only the elements read here):
//
//	<EnumerationResults ServiceEndpoint="…" ContainerName="…">
//	  <Blobs>
//	    <Blob>
//	      <Name Encoded="true|false">…</Name>
//	      <Properties><Content-Length>…</Content-Length>…</Properties>
//	      <Metadata><name>value</name>…</Metadata>
//	    </Blob>
//	    <BlobPrefix><Name>…</Name></BlobPrefix>   (only with a delimiter; ignored)
//	  </Blobs>
//	  <NextMarker>…</NextMarker>
//	</EnumerationResults>
//
// An Encoded="true" name is URL-encoded (names with characters XML cannot
// carry); it is decoded.
func ParsePage(body []byte) (Page, error) {
	var doc struct {
		XMLName xml.Name `xml:"EnumerationResults"`
		Blobs   []struct {
			Name struct {
				Encoded string `xml:"Encoded,attr"`
				Text    string `xml:",chardata"`
			} `xml:"Name"`
			Length   string   `xml:"Properties>Content-Length"`
			Metadata metadata `xml:"Metadata"`
		} `xml:"Blobs>Blob"`
		NextMarker string `xml:"NextMarker"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		return Page{}, err
	}
	p := Page{NextMarker: doc.NextMarker, Blobs: make([]Blob, 0, len(doc.Blobs))}
	for _, b := range doc.Blobs {
		name := b.Name.Text
		if b.Name.Encoded == "true" {
			n, err := url.QueryUnescape(name)
			if err != nil {
				return Page{}, fmt.Errorf("blob name %q: %w", name, err)
			}
			name = n
		}
		var size int64
		if b.Length != "" {
			n, err := strconv.ParseInt(strings.TrimSpace(b.Length), 10, 64)
			if err != nil || n < 0 {
				return Page{}, fmt.Errorf("blob %q: Content-Length %q is not a size", name, b.Length)
			}
			size = n
		}
		p.Blobs = append(p.Blobs, Blob{Name: name, Size: size, Metadata: b.Metadata.m})
	}
	return p, nil
}

// metadata collects <Metadata>'s children, whose element names are the keys.
type metadata struct{ m map[string]string }

func (md *metadata) UnmarshalXML(d *xml.Decoder, _ xml.StartElement) error {
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			var v string
			if err := d.DecodeElement(&v, &t); err != nil {
				return err
			}
			if md.m == nil {
				md.m = map[string]string{}
			}
			md.m[t.Name.Local] = v
		case xml.EndElement:
			return nil
		}
	}
}
