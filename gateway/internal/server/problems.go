package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/eventai/eventai/libs/problem"
)

// Problem types the gateway answers beyond those of libs/problem.
const (
	typeMethodNotAllowed = "/problems/method-not-allowed"
	typeTooLarge         = "/problems/payload-too-large"
	typeGatewayTimeout   = "/problems/gateway-timeout"
	typeRequestTimeout   = "/problems/request-timeout"
)

// writeProblem renders p as application/problem+json; it always returns nil so handlers can
// `return writeProblem(...)` and leave the response as written.
func writeProblem(c *fiber.Ctx, p *problem.Problem) error {
	out := *p
	if out.Title == "" {
		out.Title = http.StatusText(out.Status)
	}
	if out.Instance == "" {
		out.Instance = c.Path()
	}
	body, err := json.Marshal(out)
	if err != nil {
		// A Problem has only strings, ints and a slice of them: this cannot fail.
		body = []byte(`{"type":"/problems/internal","title":"Internal Server Error","status":500}`)
		out.Status = http.StatusInternalServerError
	}
	c.Status(out.Status)
	c.Set(fiber.HeaderContentType, problem.ContentType)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	return c.Send(body)
}

// errorHandler turns every error that reaches fiber (panics caught by recover, fasthttp's own
// request errors, fiber's router errors) into a problem document.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	var p *problem.Problem
	if errors.As(err, &p) {
		return writeProblem(c, p)
	}
	var fe *fiber.Error
	code := http.StatusInternalServerError
	if errors.As(err, &fe) {
		code = fe.Code
	}
	switch code {
	case http.StatusRequestEntityTooLarge:
		return writeProblem(c, tooLarge(0))
	case http.StatusRequestTimeout:
		return writeProblem(c, problem.New(typeRequestTimeout, code, "the request was not received in time"))
	case http.StatusRequestHeaderFieldsTooLarge, http.StatusBadRequest:
		return writeProblem(c, problem.New(problem.TypeBadRequest, code, "the request could not be parsed"))
	case http.StatusNotFound:
		return writeProblem(c, problem.NotFound("no such route"))
	case http.StatusMethodNotAllowed:
		return writeProblem(c, problem.New(typeMethodNotAllowed, code, "method not allowed on this route"))
	}
	s.log.ErrorContext(c.UserContext(), "request failed", "err", err, "path", c.Path())
	return writeProblem(c, problem.Internal("the gateway failed to handle the request"))
}

func tooLarge(limit int) *problem.Problem {
	detail := "the request body is too large"
	if limit > 0 {
		detail = "the request body exceeds " + humanBytes(limit) + " for this route"
	}
	return problem.New(typeTooLarge, http.StatusRequestEntityTooLarge, detail)
}

func humanBytes(n int) string {
	if n%(1<<20) == 0 {
		return strconv.Itoa(n>>20) + " MiB"
	}
	return strconv.Itoa(n) + " bytes"
}
