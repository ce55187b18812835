"""Issuing a micro-credential as a European Digital Credential (EDC, ELM v3, the ``edc-generic-full`` profile).

The credential follows the official ``Sample-MC-Annex1`` credential, which carries every mandatory element of
Annex I of the Council Recommendation on micro-credentials (NOTES.md §5), and adds the one it lacks, the type of
quality assurance (``elm:Accreditation`` on the specification):

 1 learner               credentialSubject: Person (names, identifier, date of birth)
 2 title                 hasClaim: LearningAchievement dct:title; its specification's dct:title
 3 country of the issuer awarding body: Organisation location/address/countryCode
 4 awarding body         LearningAchievement awardedBy/AwardingProcess awardingBody
 5 date of issuing       cred:issued (and issuanceDate, validFrom; awardingDate)
 6 learning outcomes     specifiedBy/learningOutcome, each with its ESCO skills
 7 notional workload     specifiedBy/creditPoint (ECTS) and volumeOfLearning
 8 level                 specifiedBy/EQFLevel
 9 type of assessment    provenBy/LearningAssessment specifiedBy/LearningAssessmentSpecification dct:type
10 form of participation specifiedBy/mode
11 quality assurance     specifiedBy/accreditation/Accreditation (dct:type, accrediting agent)

The specification, outcomes and organisations come from the catalogue, projected onto the EDC shapes (ESCO
skills in the skills pillar scheme, as EDC-full requires); the result is checked against the official EDC shapes
(``EDC-generic-no-cv`` + ``EDC-generic-full``) before it is sealed.
"""

from __future__ import annotations

import base64
import datetime as dt
import struct
import uuid
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from smarco_kg.catalogue.classes import ClassEntry
from smarco_kg.errors import Conflict, Unprocessable
from smarco_kg.europass.jsonld import EDC_CONTEXT, W3C_CONTEXT, Terms, context_documents, mint_ids, write_document
from smarco_kg.europass.official_shapes import OfficialProblem, check, shape_terms
from smarco_kg.europass.projection import Projection, concepts_of, gather
from smarco_kg.namespaces import ELM
from smarco_kg.status_list import STATUS as STATUS_VOCABULARY
from smarco_kg.store import GraphStore

CRED = Namespace("https://www.w3.org/2018/credentials#")
DCT = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
PROFILE = URIRef("http://data.europa.eu/snb/model/ap/edc-generic-full")
GENERIC = URIRef("http://data.europa.eu/snb/credential/e34929035b")  # credential type "Generic"
ENGLISH = URIRef("http://publications.europa.eu/resource/authority/language/ENG")
PNG = URIRef("http://publications.europa.eu/resource/authority/file-type/PNG")
BASE64 = URIRef("http://data.europa.eu/snb/encoding/6146cde7dd")
ESCO_SKILLS = URIRef("http://data.europa.eu/esco/concept-scheme/skills")
STATUS = Namespace(STATUS_VOCABULARY)


class IssueError(Unprocessable, ValueError):
    """The request cannot become a credential (a missing learner name, an outcome not of this credential…)."""

    title = "the credential cannot be issued"


class NotConforming(Conflict):
    """The built credential fails the official EDC shapes (a catalogue gap, not the learner's)."""

    title = "the catalogue's description of this credential does not meet the EDC profile"

    def __init__(self, problems: list[OfficialProblem]) -> None:
        super().__init__(
            f"the credential does not conform to the EDC profile: {len(problems)} problem(s)",
            errors=[{"focusNode": p.focus, "path": p.path, "message": p.message} for p in problems],
        )
        self.args = (problems,)
        self.problems = problems


@dataclass(frozen=True)
class Learner:
    given_name: str
    family_name: str
    identifier: str
    identifier_scheme: str = "learner identifier"
    date_of_birth: dt.date | None = None
    email: str | None = None


@dataclass(frozen=True)
class Issuer:
    organisation: URIRef
    legal_identifier: str  # eidasLegalIdentifier (from configuration)
    country: URIRef  # of the legal identifier


@dataclass
class Award:
    learner: Learner
    awarded_on: dt.date
    grade: str | None = None
    assessment: str | None = None  # what the assessment was, in words
    outcomes: list[URIRef] = field(default_factory=list)  # achieved outcomes; empty = all of the specification


@dataclass(frozen=True)
class Issued:
    document: dict  # the EDC JSON-LD credential (the payload to seal)
    graph: Graph  # the same as RDF
    credential: URIRef


def _png(width: int = 8, height: int = 8) -> bytes:
    """A small white PNG: the credential's mandatory display image until a designed one is configured."""
    row = b"\x00" + b"\xff\xff\xff" * width
    raw = zlib.compress(row * height)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def _credential_nodes(
    spec: URIRef,
    title: Literal,
    award: Award,
    issuer: Issuer,
    awarding_body: Node,
    assessed_as: Node | None,
    credential: URIRef,
) -> Graph:
    """The credential-specific part: credential, learner, achievement, awarding, assessment, display."""
    g = Graph()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    stamp = Literal(now.isoformat().replace("+00:00", "Z"), datatype=XSD.dateTime)
    awarded = Literal(f"{award.awarded_on.isoformat()}T00:00:00Z", datatype=XSD.dateTime)
    person, achievement = (
        URIRef(f"urn:epass:person:{uuid.uuid4()}"),
        URIRef(f"urn:epass:learningAchievement:{uuid.uuid4()}"),
    )
    g.add((credential, RDF.type, CRED.VerifiableCredential))
    g.add((credential, RDF.type, ELM.EuropeanDigitalCredential))
    g.add((credential, CRED.issuer, issuer.organisation))
    g.add((credential, CRED.issued, stamp))
    g.add((credential, CRED.issuanceDate, stamp))
    g.add((credential, CRED.validFrom, awarded))
    g.add((credential, CRED.credentialSchema, PROFILE))
    g.add((PROFILE, RDF.type, ELM.ShaclValidator2017))
    g.add((credential, ELM.credentialProfiles, GENERIC))
    kinds = ("displayParameter", "individualDisplay", "displayDetail", "mediaObject")
    display, individual, detail, image = (URIRef(f"urn:epass:{k}:{uuid.uuid4()}") for k in kinds)
    g.add((credential, ELM.displayParameter, display))
    g.add((display, RDF.type, ELM.DisplayParameter))
    g.add((display, DCT.title, title))
    g.add((display, DCT.language, ENGLISH))
    g.add((display, ELM.primaryLanguage, ENGLISH))
    g.add((display, ELM.individualDisplay, individual))
    g.add((individual, RDF.type, ELM.IndividualDisplay))
    g.add((individual, DCT.language, ENGLISH))
    g.add((individual, ELM.displayDetail, detail))
    g.add((detail, RDF.type, ELM.DisplayDetail))
    g.add((detail, ELM.page, Literal(1, datatype=XSD.positiveInteger)))
    g.add((detail, ELM.image, image))
    g.add((image, RDF.type, ELM.MediaObject))
    g.add((image, ELM.content, Literal(base64.b64encode(_png()).decode("ascii"), datatype=XSD.string)))
    g.add((image, ELM.contentType, PNG))
    g.add((image, ELM.contentEncoding, BASE64))

    learner = award.learner
    g.add((credential, CRED.credentialSubject, person))
    g.add((person, RDF.type, ELM.Person))
    g.add((person, FOAF.givenName, Literal(learner.given_name, lang="en")))
    g.add((person, FOAF.familyName, Literal(learner.family_name, lang="en")))
    g.add((person, FOAF.fullName, Literal(f"{learner.given_name} {learner.family_name}", lang="en")))
    if learner.date_of_birth is not None:
        g.add(
            (person, ELM.dateOfBirth, Literal(f"{learner.date_of_birth.isoformat()}T00:00:00Z", datatype=XSD.dateTime))
        )
    identifier = URIRef(f"urn:epass:identifier:{uuid.uuid4()}")
    g.add((person, ADMS.identifier, identifier))
    g.add((identifier, RDF.type, ELM.Identifier))
    g.add((identifier, SKOS.notation, Literal(learner.identifier)))
    g.add((identifier, ELM.schemeName, Literal(learner.identifier_scheme, datatype=XSD.string)))
    if learner.email:
        contact, mailbox = URIRef(f"urn:epass:contactPoint:{uuid.uuid4()}"), URIRef(f"mailto:{learner.email}")
        g.add((person, ELM.contactPoint, contact))
        g.add((contact, RDF.type, ELM.ContactPoint))
        g.add((contact, ELM.emailAddress, mailbox))
        g.add((mailbox, RDF.type, ELM.Mailbox))

    g.add((person, ELM.hasClaim, achievement))
    g.add((achievement, RDF.type, ELM.LearningAchievement))
    g.add((achievement, DCT.title, title))
    g.add((achievement, ELM.specifiedBy, spec))
    process = URIRef(f"urn:epass:awardingProcess:{uuid.uuid4()}")
    g.add((achievement, ELM.awardedBy, process))
    g.add((process, RDF.type, ELM.AwardingProcess))
    g.add((process, ELM.awardingBody, awarding_body))
    g.add((process, ELM.awardingDate, awarded))
    if award.grade:  # the assessment passed, with its grade, as the specification's assessment describes it
        assessment = URIRef(f"urn:epass:learningAssessment:{uuid.uuid4()}")
        g.add((achievement, ELM.provenBy, assessment))
        g.add((assessment, RDF.type, ELM.LearningAssessment))
        g.add((assessment, DCT.title, Literal(award.assessment or "Assessment", lang="en")))
        g.add((assessment, ELM.awardedBy, process))
        if assessed_as is not None:
            g.add((assessment, ELM.specifiedBy, assessed_as))
        grade = URIRef(f"urn:epass:note:{uuid.uuid4()}")
        g.add((assessment, ELM.grade, grade))
        g.add((grade, RDF.type, ELM.Note))
        g.add((grade, ELM.noteLiteral, Literal(award.grade, lang="en")))
    return g


def _add_status(graph: Graph, credential: Node, status: dict) -> None:
    """The credential's status entry, its terms those of the VC 2.0 status vocabulary (full IRIs: the EDC's
    contexts do not name them)."""
    node = URIRef(status["id"])
    graph.add((credential, CRED.credentialStatus, node))
    graph.add((node, RDF.type, ELM.CredentialStatus))
    graph.add((node, RDF.type, STATUS[status["type"]]))
    graph.add((node, STATUS.statusPurpose, Literal(status["statusPurpose"])))
    graph.add((node, STATUS.statusListIndex, Literal(status["statusListIndex"])))
    graph.add((node, STATUS.statusListCredential, URIRef(status["statusListCredential"])))


def issue(
    store: GraphStore,
    spec: URIRef,
    award: Award,
    issuer: Issuer,
    credentials: ClassEntry,
    organisations: ClassEntry,
    elm_dir: Path,
    base_iri: str,
    *,
    validate: bool = True,
    credential: URIRef | None = None,
    status: dict | None = None,
) -> Issued:
    """The EDC document of ``award`` for the micro-credential ``spec``, checked against the official shapes.

    ``credential``: the credential's id (``urn:uuid:…``, a new one if None), the id the register records;
    ``status``: its W3C ``BitstringStatusListEntry`` (``status_list.entry``), carried as the credential's
    ``credentialStatus``, an ``elm:CredentialStatus`` node, which the EDC shapes allow (at most one, an IRI)."""
    data = gather(store, [(credentials, spec), (organisations, issuer.organisation)], organisations, base_iri)
    title = data.value(spec, DCT.title)
    awarding = [b for o in data.objects(spec, ELM.awardingOpportunity) for b in data.objects(o, ELM.awardingBody)]
    if not isinstance(title, Literal) or not awarding:
        raise IssueError(f"<{spec}> names no title or awarding body: it cannot be awarded")
    outcomes = set(data.objects(spec, ELM.learningOutcome))
    stranger = [o for o in award.outcomes if o not in outcomes]
    if stranger:
        raise IssueError(f"not outcomes of this credential: {', '.join(str(o) for o in stranger)}")
    if award.outcomes:  # the credential states the outcomes achieved
        for outcome in outcomes - set(award.outcomes):
            data.remove((spec, ELM.learningOutcome, outcome))
    legal = URIRef(f"urn:epass:legalIdentifier:{issuer.legal_identifier}")
    data.add((issuer.organisation, ELM.eidasLegalIdentifier, legal))
    data.add((legal, RDF.type, ELM.LegalIdentifier))
    data.add((legal, SKOS.notation, Literal(issuer.legal_identifier)))
    data.add((legal, DCT.spatial, issuer.country))
    if award.assessment and not award.grade:
        raise IssueError("an assessment needs the grade achieved in it")
    assessed_as = data.value(spec, ELM.provenBy)
    credential = credential or URIRef(f"urn:uuid:{uuid.uuid4()}")
    data += _credential_nodes(spec, title, award, issuer, awarding[0], assessed_as, credential)
    root = next(data.subjects(RDF.type, ELM.EuropeanDigitalCredential))
    assert isinstance(root, URIRef)  # the credential's IRI, minted by _credential_nodes
    concepts = concepts_of(store, (o for o in data.objects() if isinstance(o, URIRef)))
    terms = dict(shape_terms(elm_dir, "edc"))
    projection = Projection(data, concepts, terms, qualification=True, esco_schemes=(ESCO_SKILLS,))  # as the MC sample
    projection.node(root, ELM.EuropeanDigitalCredential)
    graph = mint_ids(projection.out, "urn:epass:")
    for subject in list(graph.subjects(RDF.type, ELM.EuropeanDigitalCredential)):
        graph.add((subject, RDF.type, CRED.VerifiableCredential))
    if status is not None:  # after the projection, which keeps only what the shapes name (none for the status)
        _add_status(graph, root, status)
    problems = check(graph, elm_dir, "edc") if validate else []  # off only to time the rest (bench/europass.py)
    if problems:
        raise NotConforming(problems)
    contexts = context_documents(elm_dir)
    document = write_document(
        graph, root, Terms([contexts[W3C_CONTEXT], contexts[EDC_CONTEXT]]), [W3C_CONTEXT, EDC_CONTEXT]
    )
    return Issued(document, graph, root)
