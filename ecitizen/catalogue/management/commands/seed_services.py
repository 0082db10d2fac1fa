# ruff: noqa: E501 -- demo texts in four languages, one sentence a line; Arabic is not a typo
"""Load the demo catalogue: categories, life events and four published services.

Needs the demo agencies (codes CC, TA, CR) that ``seed_demo`` creates.
Idempotent: categories and life events are brought up to date, services that
already exist are left alone, and each service gets one line of output.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from ecitizen.agencies.models import Agency
from ecitizen.catalogue.models import Category, LifeEvent, Service
from ecitizen.catalogue.services import service_create, service_form_update, service_publish, service_update


def t(en: str, es: str, fr: str, ar: str) -> dict[str, str]:
    return {"en": en, "es": es, "fr": fr, "ar": ar}


YES_NO = "yes_no"

CATEGORIES = [
    (
        "parking-and-roads",
        t("Parking and roads", "Aparcamiento y carreteras", "Stationnement et routes", "مواقف السيارات والطرق"),
    ),
    (
        "business-and-licences",
        t("Business and licences", "Empresas y licencias", "Entreprises et licences", "الأعمال والتراخيص"),
    ),
    (
        "births-deaths-and-marriages",
        t(
            "Births, deaths and marriages",
            "Nacimientos, defunciones y matrimonios",
            "Naissances, décès et mariages",
            "المواليد والوفيات والزواج",
        ),
    ),
    ("transport", t("Transport", "Transporte", "Transports", "النقل")),
]

LIFE_EVENTS = [
    (
        "moving-house",
        t("Moving house", "Mudarse de casa", "Déménager", "الانتقال إلى منزل جديد"),
        t(
            "Services you may need when you move to a new home.",
            "Servicios que puede necesitar cuando se muda a una nueva vivienda.",
            "Les démarches utiles quand vous emménagez dans un nouveau logement.",
            "الخدمات التي قد تحتاجها عند الانتقال إلى منزل جديد.",
        ),
    ),
    (
        "starting-a-business",
        t("Starting a business", "Crear una empresa", "Créer une entreprise", "بدء مشروع تجاري"),
        t(
            "Licences and permissions to get your business going.",
            "Licencias y permisos para poner en marcha su negocio.",
            "Les licences et autorisations pour lancer votre activité.",
            "التراخيص والتصاريح اللازمة لبدء نشاطك التجاري.",
        ),
    ),
    (
        "having-a-baby",
        t("Having a baby", "Tener un bebé", "Avoir un enfant", "إنجاب طفل"),
        t(
            "Registering a birth and getting certificates for your child.",
            "Inscribir un nacimiento y obtener certificados para su hijo o hija.",
            "Déclarer une naissance et obtenir des actes pour votre enfant.",
            "تسجيل المولود والحصول على الشهادات الخاصة بطفلك.",
        ),
    ),
]


def q(qid: str, qtype: str, label: dict, **options) -> dict:
    return {"id": qid, "type": qtype, "label": label, "required": options.pop("required", True), **options}


def choice(value: str, label: dict) -> dict:
    return {"value": value, "label": label}


PARKING_FORM = {
    "pages": [
        {
            "id": "vehicle",
            "title": t("Your vehicle", "Su vehículo", "Votre véhicule", "مركبتك"),
            "questions": [
                q(
                    "registration",
                    "text",
                    t(
                        "Vehicle registration number",
                        "Matrícula del vehículo",
                        "Numéro d'immatriculation",
                        "رقم لوحة المركبة",
                    ),
                    hint=t("For example, AB12 CDE", "Por ejemplo, AB12 CDE", "Par exemple, AB12 CDE", "مثال: AB12 CDE"),
                    max_length=8,
                    short_label=t(
                        "the vehicle registration number",
                        "la matrícula del vehículo",
                        "le numéro d'immatriculation",
                        "رقم لوحة المركبة",
                    ),
                    pattern="^[A-Za-z0-9 ]{2,8}$",
                    pattern_message=t(
                        "Enter the registration using only letters, numbers and spaces",
                        "Escriba la matrícula solo con letras, números y espacios",
                        "Saisissez l'immatriculation avec uniquement des lettres, des chiffres et des espaces",
                        "أدخل رقم اللوحة باستخدام الحروف والأرقام والمسافات فقط",
                    ),
                ),
                q(
                    "electric",
                    YES_NO,
                    t(
                        "Is the vehicle electric?",
                        "¿Es un vehículo eléctrico?",
                        "Le véhicule est-il électrique ?",
                        "هل المركبة كهربائية؟",
                    ),
                ),
            ],
        },
        {
            "id": "address",
            "title": t("Your address", "Su dirección", "Votre adresse", "عنوانك"),
            "questions": [
                q(
                    "address",
                    "address",
                    t("Your home address", "Su domicilio", "Votre adresse personnelle", "عنوان منزلك"),
                    prefill="address",
                ),
                q(
                    "moved_recently",
                    YES_NO,
                    t(
                        "Have you moved to this address in the last 3 months?",
                        "¿Se ha mudado a esta dirección en los últimos 3 meses?",
                        "Avez-vous emménagé à cette adresse au cours des 3 derniers mois ?",
                        "هل انتقلت إلى هذا العنوان خلال الأشهر الثلاثة الماضية؟",
                    ),
                ),
            ],
        },
        {
            "id": "proof",
            "title": t("Proof of address", "Justificante de domicilio", "Justificatif de domicile", "إثبات العنوان"),
            "questions": [
                q(
                    "proof_of_address",
                    "file",
                    t(
                        "Upload proof of your new address",
                        "Suba un justificante de su nuevo domicilio",
                        "Téléversez un justificatif de votre nouvelle adresse",
                        "حمّل إثباتًا لعنوانك الجديد",
                    ),
                    hint=t(
                        "A tenancy agreement or a utility bill from the last 3 months",
                        "Un contrato de alquiler o una factura de suministros de los últimos 3 meses",
                        "Un bail ou une facture d'énergie de moins de 3 mois",
                        "عقد إيجار أو فاتورة خدمات من الأشهر الثلاثة الماضية",
                    ),
                    condition={"question": "moved_recently", "equals": "yes"},
                ),
            ],
        },
        {
            "id": "about_you",
            "title": t("About you", "Sobre usted", "Vous concernant", "معلومات عنك"),
            "questions": [
                q(
                    "phone",
                    "phone",
                    t("Phone number", "Número de teléfono", "Numéro de téléphone", "رقم الهاتف"),
                    hint=t(
                        "We will only call you if there is a problem with your application",
                        "Solo le llamaremos si hay algún problema con su solicitud",
                        "Nous vous appellerons uniquement en cas de problème avec votre demande",
                        "لن نتصل بك إلا إذا كانت هناك مشكلة في طلبك",
                    ),
                    prefill="phone",
                ),
            ],
        },
    ]
}

DAYS = [
    ("mon", t("Monday", "Lunes", "Lundi", "الإثنين")),
    ("tue", t("Tuesday", "Martes", "Mardi", "الثلاثاء")),
    ("wed", t("Wednesday", "Miércoles", "Mercredi", "الأربعاء")),
    ("thu", t("Thursday", "Jueves", "Jeudi", "الخميس")),
    ("fri", t("Friday", "Viernes", "Vendredi", "الجمعة")),
    ("sat", t("Saturday", "Sábado", "Samedi", "السبت")),
    ("sun", t("Sunday", "Domingo", "Dimanche", "الأحد")),
]

TRADING_FORM = {
    "pages": [
        {
            "id": "business",
            "title": t("Your business", "Su negocio", "Votre activité", "نشاطك التجاري"),
            "questions": [
                q(
                    "trading_name",
                    "text",
                    t("Trading name", "Nombre comercial", "Nom commercial", "الاسم التجاري"),
                    max_length=100,
                    short_label=t("your trading name", "su nombre comercial", "votre nom commercial", "اسمك التجاري"),
                ),
                q(
                    "goods",
                    "choice",
                    t("What will you sell?", "¿Qué va a vender?", "Que allez-vous vendre ?", "ماذا ستبيع؟"),
                    choices=[
                        choice(
                            "food",
                            t(
                                "Hot or cold food",
                                "Comida caliente o fría",
                                "Plats chauds ou froids",
                                "طعام ساخن أو بارد",
                            ),
                        ),
                        choice(
                            "flowers", t("Flowers and plants", "Flores y plantas", "Fleurs et plantes", "زهور ونباتات")
                        ),
                        choice(
                            "crafts", t("Crafts and gifts", "Artesanía y regalos", "Artisanat et cadeaux", "حِرف وهدايا")
                        ),
                        choice("other", t("Something else", "Otra cosa", "Autre chose", "شيء آخر")),
                    ],
                ),
                q(
                    "goods_description",
                    "textarea",
                    t(
                        "Describe what you will sell",
                        "Describa lo que va a vender",
                        "Décrivez ce que vous allez vendre",
                        "صف ما ستبيعه",
                    ),
                    hint=t(
                        "In 500 characters or fewer",
                        "En 500 caracteres como máximo",
                        "En 500 caractères maximum",
                        "في 500 حرف أو أقل",
                    ),
                    max_length=500,
                    short_label=t(
                        "a description of what you will sell",
                        "una descripción de lo que va a vender",
                        "une description de ce que vous allez vendre",
                        "وصفًا لما ستبيعه",
                    ),
                ),
            ],
        },
        {
            "id": "pitch",
            "title": t("Where and when", "Dónde y cuándo", "Où et quand", "المكان والزمان"),
            "questions": [
                q(
                    "days",
                    "multi_choice",
                    t(
                        "Which days will you trade?",
                        "¿Qué días venderá?",
                        "Quels jours vendrez-vous ?",
                        "في أي أيام ستمارس البيع؟",
                    ),
                    choices=[choice(v, label) for v, label in DAYS],
                ),
                q(
                    "pitch_size",
                    "number",
                    t(
                        "How many square metres do you need?",
                        "¿Cuántos metros cuadrados necesita?",
                        "De combien de mètres carrés avez-vous besoin ?",
                        "كم مترًا مربعًا تحتاج؟",
                    ),
                    hint=t("Between 1 and 20", "Entre 1 y 20", "Entre 1 et 20", "بين 1 و20"),
                    min=1,
                    max=20,
                    short_label=t(
                        "the pitch size", "el tamaño del puesto", "la taille de l'emplacement", "مساحة الموقع"
                    ),
                ),
                q(
                    "start_date",
                    "date",
                    t(
                        "When do you want to start trading?",
                        "¿Cuándo quiere empezar a vender?",
                        "Quand souhaitez-vous commencer ?",
                        "متى تريد أن تبدأ البيع؟",
                    ),
                ),
            ],
        },
        {
            "id": "contact",
            "title": t("Contact details", "Datos de contacto", "Coordonnées", "بيانات الاتصال"),
            "questions": [
                q(
                    "email",
                    "email",
                    t("Email address", "Correo electrónico", "Adresse e-mail", "البريد الإلكتروني"),
                    prefill="email",
                ),
            ],
        },
    ]
}

BIRTH_FORM = {
    "pages": [
        {
            "id": "person",
            "title": t(
                "The person on the certificate",
                "La persona del certificado",
                "La personne concernée par l'acte",
                "الشخص المذكور في الشهادة",
            ),
            "questions": [
                q(
                    "full_name_at_birth",
                    "text",
                    t(
                        "Full name at birth",
                        "Nombre completo al nacer",
                        "Nom complet à la naissance",
                        "الاسم الكامل عند الولادة",
                    ),
                    hint=t(
                        "If the certificate is yours, we have filled this in from your profile",
                        "Si el certificado es suyo, lo hemos rellenado con los datos de su perfil",
                        "S'il s'agit de votre acte, nous avons repris les informations de votre profil",
                        "إذا كانت الشهادة لك، فقد ملأنا هذا الحقل من ملفك الشخصي",
                    ),
                    max_length=200,
                    prefill="full_name",
                ),
                q(
                    "date_of_birth",
                    "date",
                    t("Date of birth", "Fecha de nacimiento", "Date de naissance", "تاريخ الميلاد"),
                    prefill="date_of_birth",
                ),
                q(
                    "place_of_birth",
                    "text",
                    t("Place of birth", "Lugar de nacimiento", "Lieu de naissance", "مكان الولادة"),
                    hint=t("Town or city", "Localidad o ciudad", "Ville ou commune", "البلدة أو المدينة"),
                    max_length=100,
                ),
            ],
        },
        {
            "id": "copies",
            "title": t("Copies", "Copias", "Copies", "النسخ"),
            "questions": [
                q(
                    "copies",
                    "number",
                    t(
                        "How many copies do you need?",
                        "¿Cuántas copias necesita?",
                        "De combien de copies avez-vous besoin ?",
                        "كم نسخة تحتاج؟",
                    ),
                    hint=t("From 1 to 5", "De 1 a 5", "De 1 à 5", "من 1 إلى 5"),
                    min=1,
                    max=5,
                    short_label=t("the number of copies", "el número de copias", "le nombre de copies", "عدد النسخ"),
                ),
            ],
        },
    ]
}

BUS_PASS_FORM = {
    "pages": [
        {
            "id": "eligibility",
            "title": t("Why you qualify", "Por qué tiene derecho", "Pourquoi vous y avez droit", "سبب أهليتك"),
            "questions": [
                q(
                    "reason",
                    "choice",
                    t(
                        "Why can you get a free bus pass?",
                        "¿Por qué puede obtener un pase de autobús gratuito?",
                        "Pourquoi pouvez-vous obtenir une carte de bus gratuite ?",
                        "لماذا يحق لك الحصول على بطاقة حافلة مجانية؟",
                    ),
                    choices=[
                        choice(
                            "age",
                            t(
                                "I have reached State Pension age",
                                "He alcanzado la edad de jubilación",
                                "J'ai atteint l'âge de la retraite",
                                "بلغت سن التقاعد",
                            ),
                        ),
                        choice(
                            "disability",
                            t(
                                "I have a disability",
                                "Tengo una discapacidad",
                                "Je suis en situation de handicap",
                                "لديّ إعاقة",
                            ),
                        ),
                    ],
                ),
            ],
        },
        {
            "id": "contact",
            "title": t("Contact details", "Datos de contacto", "Coordonnées", "بيانات الاتصال"),
            "questions": [
                q(
                    "email",
                    "email",
                    t("Email address", "Correo electrónico", "Adresse e-mail", "البريد الإلكتروني"),
                    prefill="email",
                ),
                q(
                    "address",
                    "address",
                    t(
                        "Where should we post your pass?",
                        "¿A qué dirección enviamos su pase?",
                        "À quelle adresse envoyer votre carte ?",
                        "إلى أي عنوان نرسل بطاقتك؟",
                    ),
                    prefill="address",
                ),
            ],
        },
        {
            "id": "photo",
            "title": t("Your photo", "Su fotografía", "Votre photo", "صورتك"),
            "questions": [
                q(
                    "photo",
                    "file",
                    t(
                        "Upload a photo of your face",
                        "Suba una foto de su cara",
                        "Téléversez une photo de votre visage",
                        "حمّل صورة لوجهك",
                    ),
                    hint=t(
                        "A recent colour photo, like a passport photo. JPEG or PNG.",
                        "Una foto reciente en color, como la del pasaporte. JPEG o PNG.",
                        "Une photo couleur récente, comme une photo d'identité. JPEG ou PNG.",
                        "صورة ملونة حديثة مثل صورة جواز السفر، بصيغة JPEG أو PNG.",
                    ),
                ),
            ],
        },
    ]
}

SERVICES = [
    {
        "agency": "CC",
        "slug": "resident-parking-permit",
        "category": "parking-and-roads",
        "life_events": ["moving-house"],
        "title": t(
            "Apply for a resident parking permit",
            "Solicitar un permiso de aparcamiento para residentes",
            "Demander une carte de stationnement résident",
            "التقدم بطلب تصريح وقوف السيارات للمقيمين",
        ),
        "summary": t(
            "Park in the residents' bays near your home.",
            "Aparque en las plazas para residentes cerca de su casa.",
            "Stationnez sur les places réservées aux résidents près de chez vous.",
            "اركن سيارتك في الأماكن المخصصة للمقيمين قرب منزلك.",
        ),
        "description": t(
            "A resident parking permit lets you park in the residents' bays of the zone where you live. You need one permit for each vehicle.",
            "El permiso de aparcamiento para residentes le permite aparcar en las plazas para residentes de la zona donde vive. Necesita un permiso por vehículo.",
            "La carte de stationnement résident vous permet de vous garer sur les places réservées aux résidents de votre quartier. Il faut une carte par véhicule.",
            "يتيح لك تصريح وقوف السيارات للمقيمين الوقوف في الأماكن المخصصة للمقيمين في المنطقة التي تسكن فيها. تحتاج إلى تصريح لكل مركبة.",
        ),
        "documents_required": t(
            "Your vehicle registration number\nProof of address if you moved in the last 3 months",
            "La matrícula de su vehículo\nUn justificante de domicilio si se ha mudado en los últimos 3 meses",
            "Le numéro d'immatriculation de votre véhicule\nUn justificatif de domicile si vous avez déménagé il y a moins de 3 mois",
            "رقم لوحة مركبتك\nإثبات العنوان إذا انتقلت خلال الأشهر الثلاثة الماضية",
        ),
        "identity_level": "verified",
        "fee_amount": 3000,
        "deadline_working_days": 10,
        "issues": "permit",
        "validity_days": 365,
        "document_name": t(
            "Resident parking permit",
            "Permiso de aparcamiento para residentes",
            "Carte de stationnement résident",
            "تصريح وقوف السيارات للمقيمين",
        ),
        # What a parking warden checks: the vehicle and the zone (the address it is for).
        "document_fields": ["registration", "address"],
        "form": PARKING_FORM,
    },
    {
        "agency": "CC",
        "slug": "street-trading-licence",
        "category": "business-and-licences",
        "life_events": ["starting-a-business"],
        "title": t(
            "Apply for a street trading licence",
            "Solicitar una licencia de venta ambulante",
            "Demander une autorisation de vente sur la voie publique",
            "التقدم بطلب ترخيص للبيع في الشارع",
        ),
        "summary": t(
            "Sell goods or food from a stall or pitch on the street.",
            "Venda productos o comida en un puesto en la calle.",
            "Vendez des produits ou de la nourriture sur un stand dans la rue.",
            "بِع السلع أو الطعام من كشك أو موقع في الشارع.",
        ),
        "description": t(
            "You need a street trading licence to sell anything from a stall, van or pitch on a public street or square.",
            "Necesita una licencia de venta ambulante para vender desde un puesto, furgoneta o espacio en una calle o plaza pública.",
            "Il faut une autorisation pour vendre depuis un stand, un camion ou un emplacement dans une rue ou sur une place publique.",
            "تحتاج إلى ترخيص للبيع في الشارع لبيع أي شيء من كشك أو شاحنة أو موقع في شارع أو ساحة عامة.",
        ),
        "documents_required": t(
            "A description of what you will sell\nThe days you want to trade",
            "Una descripción de lo que va a vender\nLos días en que quiere vender",
            "Une description de ce que vous allez vendre\nLes jours où vous voulez vendre",
            "وصف لما ستبيعه\nالأيام التي تريد البيع فيها",
        ),
        "identity_level": "basic",
        "fee_amount": 12000,
        "deadline_working_days": 20,
        "issues": "licence",
        "validity_days": 365,
        "document_name": t(
            "Street trading licence",
            "Licencia de venta ambulante",
            "Autorisation de vente sur la voie publique",
            "ترخيص البيع في الشارع",
        ),
        "form": TRADING_FORM,
    },
    {
        "agency": "CR",
        "slug": "birth-certificate-copy",
        "category": "births-deaths-and-marriages",
        "life_events": ["having-a-baby"],
        "title": t(
            "Get a copy of a birth certificate",
            "Obtener una copia de un certificado de nacimiento",
            "Obtenir une copie d'acte de naissance",
            "الحصول على نسخة من شهادة الميلاد",
        ),
        "summary": t(
            "Order certified copies of a birth certificate.",
            "Pida copias certificadas de un certificado de nacimiento.",
            "Commandez des copies certifiées d'un acte de naissance.",
            "اطلب نسخًا مصدقة من شهادة الميلاد.",
        ),
        "description": t(
            "A certified copy of a birth certificate is an official document. You can order up to 5 copies at a time.",
            "Una copia certificada de un certificado de nacimiento es un documento oficial. Puede pedir hasta 5 copias a la vez.",
            "Une copie certifiée d'acte de naissance est un document officiel. Vous pouvez commander jusqu'à 5 copies à la fois.",
            "النسخة المصدقة من شهادة الميلاد وثيقة رسمية. يمكنك طلب ما يصل إلى 5 نسخ في المرة الواحدة.",
        ),
        "documents_required": t(
            "The full name at birth, date and place of birth",
            "El nombre completo al nacer, la fecha y el lugar de nacimiento",
            "Le nom complet à la naissance, la date et le lieu de naissance",
            "الاسم الكامل عند الولادة وتاريخ ومكان الولادة",
        ),
        "identity_level": "verified",
        "fee_amount": 1100,
        "deadline_working_days": 5,
        "issues": "certificate",
        "validity_days": 0,
        "document_name": t(
            "Certified copy of a birth certificate",
            "Copia certificada de un certificado de nacimiento",
            "Copie certifiée d'acte de naissance",
            "نسخة مصدقة من شهادة الميلاد",
        ),
        "form": BIRTH_FORM,
    },
    {
        "agency": "TA",
        "slug": "concessionary-bus-pass",
        "category": "transport",
        # New residents need one as much as a parking permit: the dashboard suggests it from that.
        "life_events": ["moving-house"],
        "title": t(
            "Apply for a concessionary bus pass",
            "Solicitar un pase de autobús bonificado",
            "Demander une carte de bus à tarif réduit",
            "التقدم بطلب بطاقة حافلة مخفضة",
        ),
        "summary": t(
            "Free bus travel if you are of pension age or have a disability.",
            "Viaje gratis en autobús si tiene edad de jubilación o una discapacidad.",
            "Voyagez gratuitement en bus si vous êtes à l'âge de la retraite ou en situation de handicap.",
            "تنقل مجاني بالحافلات إذا بلغت سن التقاعد أو كانت لديك إعاقة.",
        ),
        "description": t(
            "The pass gives you free off-peak travel on local buses. It is valid for 2 years.",
            "El pase le permite viajar gratis en autobuses locales fuera de las horas punta. Es válido durante 2 años.",
            "La carte vous permet de voyager gratuitement en bus en dehors des heures de pointe. Elle est valable 2 ans.",
            "تتيح لك البطاقة التنقل مجانًا في الحافلات المحلية خارج ساعات الذروة، وهي صالحة لمدة سنتين.",
        ),
        "documents_required": t(
            "A recent photo of your face",
            "Una foto reciente de su cara",
            "Une photo récente de votre visage",
            "صورة حديثة لوجهك",
        ),
        "identity_level": "verified",
        "fee_amount": 0,
        "deadline_working_days": 10,
        "issues": "permit",
        "validity_days": 730,
        "document_name": t(
            "Concessionary bus pass",
            "Pase de autobús bonificado",
            "Carte de bus à tarif réduit",
            "بطاقة حافلة مخفضة",
        ),
        "form": BUS_PASS_FORM,
    },
]


class Command(BaseCommand):
    help = "Load the demo service catalogue (run seed_demo first for the agencies). Safe to run again."

    @transaction.atomic
    def handle(self, *args, **options):
        categories = {}
        for position, (slug, name) in enumerate(CATEGORIES):
            categories[slug], _created = Category.objects.update_or_create(
                slug=slug, defaults={"name": name, "position": position}
            )
        life_events = {}
        for position, (slug, name, description) in enumerate(LIFE_EVENTS):
            life_events[slug], _created = LifeEvent.objects.update_or_create(
                slug=slug, defaults={"name": name, "description": description, "position": position}
            )
        agencies = {a.code: a for a in Agency.objects.filter(code__in={s["agency"] for s in SERVICES})}
        for spec in SERVICES:
            title = spec["title"]["en"]
            existing = Service.objects.filter(slug=spec["slug"]).select_related("current_version").first()
            if existing is not None:
                version = f"v{existing.current_version.number}" if existing.current_version else "no version"
                self.stdout.write(f"{spec['agency']}  {title}: already present ({existing.status}, {version})")
                continue
            agency = agencies.get(spec["agency"])
            if agency is None:
                self.stderr.write(f"{spec['agency']}  {title}: skipped, no agency with code {spec['agency']}")
                continue
            skip = {"agency", "form", "category", "life_events", "document_fields"}
            data = {key: spec[key] for key in spec if key not in skip}
            data["category"] = categories[spec["category"]]
            data["life_events"] = [life_events[slug] for slug in spec["life_events"]]
            data["fee_currency"] = "GBP"
            service = service_create(actor=None, agency=agency, data=data)
            service_form_update(actor=None, service=service, form=spec["form"])
            if spec.get("document_fields"):  # questions of the form, so chosen once it has them
                service_update(actor=None, service=service, data={"document_fields": spec["document_fields"]})
            version = service_publish(actor=None, service=service)
            self.stdout.write(f"{spec['agency']}  {title}: published v{version.number} at /services/{service.slug}/")
