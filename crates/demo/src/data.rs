//! Reference tables for the generator: kelurahan of Jakarta Utara with approximate
//! population weights and street names, ethnic naming pools, birthplaces, occupations.
//!
//! Figures are approximate (rounded from published kelurahan population counts) and
//! street names are real or real-ish; this is demo data, not a census.

/// A kelurahan of Jakarta Utara as the generator sees it.
pub struct Kelurahan {
    /// Dotted code; must exist in the kode wilayah table (checked by a test).
    pub kode: &'static str,
    /// Approximate population in thousands (sampling weight).
    pub ribu: u32,
    /// Rough share (percent) of Chinese-Indonesian households.
    pub tionghoa: u32,
    /// Fishing community (Muara Angke, Kamal Muara, Cilincing, Kalibaru, Marunda...).
    pub pesisir: bool,
    /// Housing-estate area: addresses use "Blok".
    pub perumahan: bool,
    pub jalan: &'static [&'static str],
}

macro_rules! kel {
    ($kode:literal, $ribu:literal, $t:literal, $p:literal, $perum:literal, [$($j:literal),+ $(,)?]) => {
        Kelurahan { kode: $kode, ribu: $ribu, tionghoa: $t, pesisir: $p, perumahan: $perum, jalan: &[$($j),+] }
    };
}

pub const KELURAHAN: &[Kelurahan] = &[
    // Penjaringan
    kel!(
        "31.72.01.1001",
        105,
        12,
        true,
        false,
        [
            "Jl. Pakin",
            "Jl. Gedong Panjang",
            "Jl. Bandengan Utara",
            "Jl. Kampung Luar Batang",
            "Jl. Muara Baru",
            "Jl. Tanah Pasir",
            "Jl. Jembatan Tiga",
            "Jl. Kakap"
        ]
    ),
    kel!(
        "31.72.01.1002",
        15,
        30,
        true,
        false,
        [
            "Jl. Kamal Muara",
            "Jl. Kamal Raya",
            "Jl. Pantai Indah Utara",
            "Jl. Marina Indah",
            "Jl. Kampung Kamal"
        ]
    ),
    kel!(
        "31.72.01.1003",
        38,
        18,
        false,
        false,
        [
            "Jl. Kapuk Muara",
            "Jl. Kapuk Kamal Raya",
            "Jl. Kapuk Raya",
            "Jl. Pantai Indah Kapuk",
            "Jl. Kampung Kapuk"
        ]
    ),
    kel!(
        "31.72.01.1004",
        85,
        22,
        false,
        false,
        [
            "Jl. Pejagalan Raya",
            "Jl. Teluk Gong",
            "Jl. Jembatan Dua",
            "Jl. Bandengan Selatan",
            "Jl. Kampung Gusti",
            "Jl. Pejagalan I"
        ]
    ),
    kel!(
        "31.72.01.1005",
        58,
        45,
        true,
        true,
        [
            "Jl. Pluit Karang Indah",
            "Jl. Pluit Raya",
            "Jl. Muara Karang",
            "Jl. Muara Angke",
            "Jl. Pluit Sakti",
            "Jl. Pluit Permai",
            "Jl. Pluit Timur",
            "Jl. Pluit Selatan"
        ]
    ),
    // Tanjung Priok
    kel!(
        "31.72.02.1001",
        42,
        8,
        false,
        false,
        [
            "Jl. Enggano",
            "Jl. Deli",
            "Jl. Padamarang",
            "Jl. Bugis",
            "Jl. Sindang",
            "Jl. Jampea"
        ]
    ),
    kel!(
        "31.72.02.1002",
        75,
        25,
        false,
        true,
        [
            "Jl. Sunter Jaya",
            "Jl. Danau Sunter Utara",
            "Jl. Sunter Hijau",
            "Jl. Yos Sudarso",
            "Jl. Sunter Kemayoran"
        ]
    ),
    kel!(
        "31.72.02.1003",
        40,
        10,
        false,
        false,
        [
            "Jl. Papanggo",
            "Jl. Danau Sunter Selatan",
            "Jl. Bisma",
            "Jl. Sunter Permai",
            "Jl. Papanggo Raya"
        ]
    ),
    kel!(
        "31.72.02.1004",
        45,
        5,
        false,
        false,
        [
            "Jl. Sungai Bambu",
            "Jl. Swasembada Barat",
            "Jl. Sungai Bambu Raya",
            "Jl. Tanjung Priok Raya"
        ]
    ),
    kel!(
        "31.72.02.1005",
        55,
        4,
        false,
        false,
        [
            "Jl. Kebon Bawang",
            "Jl. Swasembada Timur",
            "Jl. Bahari",
            "Jl. Kebon Bawang Raya"
        ]
    ),
    kel!(
        "31.72.02.1006",
        78,
        30,
        false,
        true,
        [
            "Jl. Sunter Agung Podomoro",
            "Jl. Danau Agung",
            "Jl. Danau Sunter Barat",
            "Jl. Sunter Mas",
            "Jl. Agung Perkasa",
            "Jl. Agung Utara"
        ]
    ),
    kel!(
        "31.72.02.1007",
        55,
        4,
        false,
        false,
        [
            "Jl. Warakas Raya",
            "Jl. Warakas I",
            "Jl. Warakas III",
            "Jl. Warakas VII",
            "Jl. Kramat Jaya"
        ]
    ),
    // Koja
    kel!(
        "31.72.03.1001",
        32,
        5,
        false,
        false,
        [
            "Jl. Mindi",
            "Jl. Walang",
            "Jl. Bhakti",
            "Jl. Koja Raya",
            "Jl. Yos Sudarso"
        ]
    ),
    kel!(
        "31.72.03.1002",
        70,
        3,
        false,
        false,
        [
            "Jl. Plumpang Semper",
            "Jl. Tugu Raya",
            "Jl. Kramat Jaya",
            "Jl. Bendungan Melayu"
        ]
    ),
    kel!(
        "31.72.03.1003",
        70,
        3,
        false,
        false,
        [
            "Jl. Lagoa Terusan",
            "Jl. Lagoa Kanal",
            "Jl. Lagoa Raya",
            "Jl. Lagoa Gang Buntu"
        ]
    ),
    kel!(
        "31.72.03.1004",
        42,
        4,
        false,
        false,
        [
            "Jl. Rawa Badak",
            "Jl. Alur Laut",
            "Jl. Rawa Badak Utara",
            "Jl. Jampea"
        ]
    ),
    kel!(
        "31.72.03.1005",
        36,
        3,
        false,
        false,
        [
            "Jl. Bendungan Melayu Selatan",
            "Jl. Mahoni",
            "Jl. Tugu Selatan",
            "Jl. Kramat Jaya Baru"
        ]
    ),
    kel!(
        "31.72.03.1006",
        55,
        4,
        false,
        false,
        [
            "Jl. Rawa Badak Selatan",
            "Jl. Kramat Jaya Baru",
            "Jl. Swasembada",
            "Jl. Alur Laut"
        ]
    ),
    // Cilincing
    kel!(
        "31.72.04.1001",
        55,
        2,
        true,
        false,
        [
            "Jl. Cilincing Raya",
            "Jl. Sungai Landak",
            "Jl. Baru Cilincing",
            "Jl. Kampung Sawah"
        ]
    ),
    kel!(
        "31.72.04.1002",
        65,
        3,
        false,
        false,
        [
            "Jl. Tipar Cakung",
            "Jl. Sukapura Raya",
            "Jl. Inspeksi Cakung Drain",
            "Jl. Kampung Kebon Kelapa"
        ]
    ),
    kel!(
        "31.72.04.1003",
        40,
        1,
        true,
        false,
        [
            "Jl. Marunda Makmur",
            "Jl. Marunda Baru",
            "Jl. Kampung Marunda Pulo",
            "Jl. Cakung Cilincing"
        ]
    ),
    kel!(
        "31.72.04.1004",
        88,
        2,
        true,
        false,
        [
            "Jl. Kalibaru Timur",
            "Jl. Kalibaru Barat",
            "Jl. Kalibaru Utara",
            "Jl. Kalibaru Raya"
        ]
    ),
    kel!(
        "31.72.04.1005",
        55,
        2,
        false,
        false,
        [
            "Jl. Semper Raya",
            "Jl. Tanah Merdeka",
            "Jl. Inspeksi Kali Cakung",
            "Jl. Semper Timur"
        ]
    ),
    kel!(
        "31.72.04.1006",
        55,
        2,
        false,
        false,
        [
            "Jl. Rorotan Raya",
            "Jl. Sungai Tirem",
            "Jl. Kampung Rorotan",
            "Jl. Malaka"
        ]
    ),
    kel!(
        "31.72.04.1007",
        90,
        2,
        false,
        false,
        [
            "Jl. Semper Barat",
            "Jl. Tanah Merdeka",
            "Jl. Jembatan Semper",
            "Jl. Agung Tengah"
        ]
    ),
    // Pademangan
    kel!(
        "31.72.05.1001",
        45,
        12,
        false,
        false,
        [
            "Jl. Pademangan II",
            "Jl. Pademangan IV",
            "Jl. Budi Mulia",
            "Jl. Pademangan Raya"
        ]
    ),
    kel!(
        "31.72.05.1002",
        80,
        20,
        false,
        false,
        [
            "Jl. Budi Mulia Raya",
            "Jl. Pademangan III",
            "Jl. Kampung Bandan",
            "Jl. Gunung Sahari Raya",
            "Jl. Mangga Dua Raya"
        ]
    ),
    kel!(
        "31.72.05.1003",
        30,
        25,
        false,
        false,
        [
            "Jl. Lodan Raya",
            "Jl. Ancol Barat",
            "Jl. R.E. Martadinata",
            "Jl. Ancol Selatan"
        ]
    ),
    // Kelapa Gading
    kel!(
        "31.72.06.1001",
        50,
        40,
        false,
        true,
        [
            "Jl. Kelapa Hijau",
            "Jl. Kelapa Nias",
            "Jl. Kelapa Puan",
            "Jl. Kelapa Kopyor",
            "Jl. Gading Kirana"
        ]
    ),
    kel!(
        "31.72.06.1002",
        62,
        25,
        false,
        true,
        [
            "Jl. Raya Pegangsaan Dua",
            "Jl. Kelapa Lilin",
            "Jl. Gading Griya",
            "Jl. Pegangsaan Dua"
        ]
    ),
    kel!(
        "31.72.06.1003",
        45,
        45,
        false,
        true,
        [
            "Jl. Boulevard Raya",
            "Jl. Gading Indah",
            "Jl. Kelapa Sawit",
            "Jl. Janur Elok",
            "Jl. Bukit Gading Raya",
            "Jl. Pelepah Hijau",
            "Jl. Kelapa Molek"
        ]
    ),
];

/// Ethnic naming traditions the generator draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Suku {
    Jawa,
    Betawi,
    Sunda,
    Tionghoa,
    Batak,
    Minang,
    Bugis,
    Arab,
    Manado,
    Bali,
}

pub const SUKU: &[Suku] = &[
    Suku::Jawa,
    Suku::Betawi,
    Suku::Sunda,
    Suku::Tionghoa,
    Suku::Batak,
    Suku::Minang,
    Suku::Bugis,
    Suku::Arab,
    Suku::Manado,
    Suku::Bali,
];

/// A birthplace: printed name and the kabupaten/kota code (for NIKs first issued there).
pub type Kota = (&'static str, &'static str);

pub struct SukuDef {
    /// Relative weight (percent, excluding Tionghoa which comes from the kelurahan).
    pub bobot: u32,
    /// Names for people born before ~1975 / from ~1975 on.
    pub pria_lama: &'static [&'static str],
    pub wanita_lama: &'static [&'static str],
    pub pria: &'static [&'static str],
    pub wanita: &'static [&'static str],
    /// Second names (not inherited).
    pub kedua_pria: &'static [&'static str],
    pub kedua_wanita: &'static [&'static str],
    /// Inherited family names (marga, fam, Chinese-Indonesian surnames, Arab clan names).
    pub marga: &'static [&'static str],
    pub kota: &'static [Kota],
    /// Agama weights in the order of `sidik_domain::Agama::ALL`.
    pub agama: [u32; 7],
}

const MUSLIM_PRIA_MUDA: &[&str] = &[
    "Muhammad Rizky",
    "Aditya",
    "Fajar",
    "Dimas",
    "Raka",
    "Alif",
    "Farhan",
    "Arkan",
    "Zidan",
    "Rafi",
    "Muhammad Fadil",
    "Ilham",
    "Bagas",
    "Reza",
    "Rizal",
    "Naufal",
    "Daffa",
    "Akbar",
    "Haikal",
    "Kevin",
    "Yoga",
    "Galih",
    "Arya",
    "Fikri",
];
const MUSLIM_WANITA_MUDA: &[&str] = &[
    "Nabila",
    "Aulia",
    "Salsabila",
    "Putri",
    "Nadia",
    "Zahra",
    "Aisyah",
    "Keisha",
    "Syifa",
    "Anisa",
    "Dinda",
    "Alya",
    "Citra",
    "Intan",
    "Nurul",
    "Fitri",
    "Amelia",
    "Siti Nurhaliza",
    "Rahma",
    "Kirana",
    "Nayla",
    "Tiara",
    "Shafa",
    "Adinda",
];
const KEDUA_PRIA_MUDA: &[&str] = &[
    "Pratama",
    "Saputra",
    "Ramadhan",
    "Hidayat",
    "Firmansyah",
    "Maulana",
    "Nugraha",
    "Kurniawan",
    "Setiawan",
    "Prasetyo",
    "Hakim",
    "Akbar",
    "Syahputra",
    "Wibowo",
];
const KEDUA_WANITA_MUDA: &[&str] = &[
    "Putri",
    "Lestari",
    "Rahmawati",
    "Ramadhani",
    "Safitri",
    "Maharani",
    "Azzahra",
    "Permata",
    "Handayani",
    "Anggraini",
    "Kusumawati",
    "Wulandari",
    "Pertiwi",
    "Aprilia",
];
const KRISTEN_PRIA: &[&str] = &[
    "Kevin",
    "Daniel",
    "Michael",
    "Jonathan",
    "Gabriel",
    "Joshua",
    "Christian",
    "Samuel",
    "Yohanes",
    "Stefanus",
    "Andreas",
    "Timotius",
    "Immanuel",
    "Nathanael",
    "Ricky",
    "Roy",
];
const KRISTEN_WANITA: &[&str] = &[
    "Grace",
    "Angel",
    "Jessica",
    "Michelle",
    "Clara",
    "Natalia",
    "Felicia",
    "Maria",
    "Debora",
    "Yohana",
    "Priscilla",
    "Christine",
    "Agnes",
    "Elisabeth",
    "Vania",
    "Gloria",
];

pub fn suku_def(s: Suku) -> &'static SukuDef {
    match s {
        Suku::Jawa => &JAWA,
        Suku::Betawi => &BETAWI,
        Suku::Sunda => &SUNDA,
        Suku::Tionghoa => &TIONGHOA,
        Suku::Batak => &BATAK,
        Suku::Minang => &MINANG,
        Suku::Bugis => &BUGIS,
        Suku::Arab => &ARAB,
        Suku::Manado => &MANADO,
        Suku::Bali => &BALI,
    }
}

static JAWA: SukuDef = SukuDef {
    bobot: 38,
    pria_lama: &[
        "Sutrisno", "Slamet", "Sugiyono", "Suparman", "Sumarno", "Bambang", "Joko", "Suwarno",
        "Mulyono", "Sukardi", "Suyanto", "Wagiman", "Paijo", "Tukiman", "Haryanto", "Kusno",
    ],
    wanita_lama: &[
        "Suparmi",
        "Sri",
        "Sumiyati",
        "Sulastri",
        "Suwarni",
        "Tumini",
        "Ngatini",
        "Painem",
        "Sukinah",
        "Wartini",
        "Rukmini",
        "Parjiyem",
        "Suliyah",
        "Endang",
        "Sri Rejeki",
    ],
    pria: &[
        "Agus", "Budi", "Eko", "Dwi", "Heru", "Wahyu", "Adi", "Teguh", "Hendro", "Bayu", "Dedi",
        "Yudi", "Anton", "Aris", "Rudi", "Priyo", "Andi", "Gunawan",
    ],
    wanita: &[
        "Dewi", "Sri", "Wulan", "Ratna", "Endah", "Rini", "Yuni", "Dwi", "Tri", "Ani", "Eka",
        "Indah", "Retno", "Sari", "Wahyuni", "Yuli", "Ika", "Nining",
    ],
    kedua_pria: &[
        "Santoso",
        "Setiawan",
        "Prasetyo",
        "Susanto",
        "Wibowo",
        "Nugroho",
        "Purnomo",
        "Hartono",
        "Saputro",
        "Widodo",
        "Kurniawan",
        "Suryadi",
        "Haryadi",
        "Utomo",
        "Riyadi",
    ],
    kedua_wanita: &[
        "Wahyuni",
        "Lestari",
        "Rahayu",
        "Handayani",
        "Susanti",
        "Astuti",
        "Kurniasih",
        "Purwanti",
        "Suryani",
        "Wulandari",
        "Rahmawati",
        "Setyaningsih",
        "Utami",
        "Hastuti",
    ],
    marga: &[],
    kota: &[
        ("Semarang", "33.74"),
        ("Surakarta", "33.72"),
        ("Yogyakarta", "34.71"),
        ("Tegal", "33.76"),
        ("Brebes", "33.29"),
        ("Kebumen", "33.05"),
        ("Klaten", "33.10"),
        ("Surabaya", "35.78"),
        ("Purworejo", "33.06"),
        ("Wonogiri", "33.12"),
        ("Malang", "35.73"),
        ("Pekalongan", "33.75"),
    ],
    agama: [930, 40, 27, 2, 0, 0, 1],
};

static BETAWI: SukuDef = SukuDef {
    bobot: 25,
    pria_lama: &[
        "Mamat",
        "Rojali",
        "Sabeni",
        "Mursid",
        "Jaenudin",
        "Salim",
        "Rohim",
        "Marzuki",
        "Ma'ruf",
        "Saipul",
        "Mahmud",
        "Usman",
        "Haji Naim",
        "Mugeni",
    ],
    wanita_lama: &[
        "Rohani", "Zaenab", "Maemunah", "Rohaya", "Saodah", "Mursidah", "Aminah", "Halimah",
        "Fatimah", "Jamilah", "Mariam", "Rukiah",
    ],
    pria: &[
        "Ahmad",
        "Rojak",
        "Jaelani",
        "Syamsudin",
        "Abdul",
        "Sarbini",
        "Ridwan",
        "Saiful",
        "Muhammad",
        "Zulkifli",
        "Fauzi",
        "Rahmat",
        "Anwar",
        "Ali",
        "Hasan",
        "Jamal",
    ],
    wanita: &[
        "Nurhasanah",
        "Siti",
        "Rohayati",
        "Nurlela",
        "Hasanah",
        "Nuraini",
        "Aisyah",
        "Masitoh",
        "Komariah",
        "Nurjanah",
        "Rosmiati",
        "Nurhayati",
        "Hafsah",
        "Latifah",
    ],
    kedua_pria: &[
        "Sarbini", "Saputra", "Hidayat", "Sobari", "Ramli", "Syafei", "Rahman", "Maulana",
        "Zakaria", "Ibrahim", "Firdaus", "Sanusi",
    ],
    kedua_wanita: &[
        "Maemunah",
        "Nurhasanah",
        "Rohimah",
        "Aisyah",
        "Kholifah",
        "Hasanah",
        "Jubaedah",
        "Mardiah",
        "Nurjanah",
        "Zahro",
    ],
    marga: &[],
    kota: &[
        ("Bekasi", "32.75"),
        ("Tangerang", "36.71"),
        ("Bogor", "32.71"),
    ],
    agama: [98, 2, 0, 0, 0, 0, 0],
};

static SUNDA: SukuDef = SukuDef {
    bobot: 16,
    pria_lama: &[
        "Asep", "Ujang", "Cecep", "Dadang", "Engkos", "Odih", "Jajang", "Ade", "Oman", "Ruhiyat",
        "Endang", "Enjang", "Dede", "Entis",
    ],
    wanita_lama: &[
        "Euis", "Neneng", "Iis", "Enok", "Imas", "Cucu", "Eti", "Onah", "Entin", "Enah", "Yoyoh",
        "Popon", "Ikah",
    ],
    pria: &[
        "Asep", "Dede", "Cecep", "Yayan", "Ayi", "Deden", "Hendra", "Rian", "Irfan", "Yusuf",
        "Ridwan", "Dadan", "Aep", "Wawan", "Iwan", "Rizki",
    ],
    wanita: &[
        "Euis", "Neng", "Rina", "Yanti", "Lilis", "Dewi", "Siti", "Rika", "Tati", "Yuyun",
        "Nenden", "Wida", "Ai", "Iis", "Santi", "Mira",
    ],
    kedua_pria: &[
        "Saepudin",
        "Kurnia",
        "Sukmana",
        "Hermawan",
        "Supriatna",
        "Permana",
        "Sopandi",
        "Ruhiyat",
        "Suherman",
        "Hidayat",
        "Mulyana",
        "Rustandi",
        "Gunawan",
        "Sutisna",
    ],
    kedua_wanita: &[
        "Komariah",
        "Rohaeti",
        "Kurniasih",
        "Nurhayati",
        "Sumiati",
        "Rostika",
        "Mulyani",
        "Aisyah",
        "Sukaesih",
        "Maryani",
        "Fitriani",
        "Nuraeni",
        "Juwita",
    ],
    marga: &[],
    kota: &[
        ("Bandung", "32.73"),
        ("Bogor", "32.71"),
        ("Garut", "32.05"),
        ("Tasikmalaya", "32.78"),
        ("Sukabumi", "32.72"),
        ("Cianjur", "32.03"),
        ("Kuningan", "32.08"),
        ("Indramayu", "32.12"),
        ("Karawang", "32.15"),
        ("Cirebon", "32.74"),
    ],
    agama: [97, 2, 1, 0, 0, 0, 0],
};

static TIONGHOA: SukuDef = SukuDef {
    bobot: 0,
    pria_lama: &[
        "Tan Kim Hok",
        "Lie Tjeng Hoat",
        "Ong Swie Liong",
        "Lim Tjoen Bing",
        "Go Kiem Sioe",
        "Oei Hok Tjoe",
        "Kwee Tjin Bo",
        "The Tiong Lie",
        "Liem Sioe Gie",
        "Tjoa Boen Hwa",
    ],
    wanita_lama: &[
        "Tan Siok Lan",
        "Lie Giok Nio",
        "Ong Bwee Hwa",
        "Lim Swie Nio",
        "Go Lian Hwa",
        "Oei Kim Nio",
        "Kwee Hong Nio",
        "The Siu Lan",
        "Liem Soen Nio",
        "Tjoa Mei Lie",
    ],
    pria: &[
        "Hendra", "Rudy", "Kevin", "Stefanus", "Andreas", "Felix", "Jonathan", "Wilson", "Steven",
        "Johan", "Budi", "Hendrik", "Ricky", "Vincent", "William", "Edwin", "Sugianto", "Darmawan",
        "Aldo", "Jason",
    ],
    wanita: &[
        "Lily",
        "Susan",
        "Meliana",
        "Jessica",
        "Cindy",
        "Vivian",
        "Angeline",
        "Natalia",
        "Yenny",
        "Lanny",
        "Fransiska",
        "Shirley",
        "Linda",
        "Vera",
        "Monica",
        "Stephanie",
        "Michelle",
        "Olivia",
        "Cynthia",
        "Yuliana",
    ],
    kedua_pria: &[],
    kedua_wanita: &[],
    marga: &[
        "Wijaya",
        "Gunawan",
        "Halim",
        "Hartono",
        "Susanto",
        "Tanoto",
        "Salim",
        "Kusuma",
        "Setiawan",
        "Tanujaya",
        "Widjaja",
        "Santoso",
        "Sugiarto",
        "Lukito",
        "Hendrawan",
        "Tjahjadi",
        "Chandra",
        "Sutanto",
        "Limanto",
        "Tanaka",
    ],
    kota: &[
        ("Pontianak", "61.71"),
        ("Singkawang", "61.72"),
        ("Medan", "12.71"),
        ("Pangkal Pinang", "19.71"),
        ("Semarang", "33.74"),
        ("Surabaya", "35.78"),
        ("Palembang", "16.71"),
    ],
    agama: [2, 28, 17, 0, 44, 9, 0],
};

static BATAK: SukuDef = SukuDef {
    bobot: 6,
    pria_lama: &[
        "Togar",
        "Binsar",
        "Parlindungan",
        "Hotman",
        "Martua",
        "Tigor",
        "Mangasi",
        "Bonar",
        "Pardamean",
        "Jahoras",
    ],
    wanita_lama: &[
        "Rotua",
        "Tiurma",
        "Lamtiur",
        "Rosmawati",
        "Dame",
        "Sondang",
        "Tiurlan",
        "Saur",
        "Ramba",
        "Nurmala",
    ],
    pria: &[
        "Roy",
        "Jhonson",
        "Rudolf",
        "Hotma",
        "Binsar",
        "Tigor",
        "Daniel",
        "Samuel",
        "Andreas",
        "Ferdinand",
        "Robert",
        "Frans",
        "Boy",
        "Parulian",
        "Marihot",
        "Rizal",
    ],
    wanita: &[
        "Sondang", "Melati", "Debora", "Rina", "Lasma", "Ruth", "Yohana", "Nova", "Dame", "Maria",
        "Sarah", "Rosa", "Ester", "Tiurma", "Desy", "Lenny",
    ],
    kedua_pria: &[],
    kedua_wanita: &[],
    marga: &[
        "Simanjuntak",
        "Siregar",
        "Nasution",
        "Hutapea",
        "Sitompul",
        "Panjaitan",
        "Situmorang",
        "Sinaga",
        "Manurung",
        "Simatupang",
        "Harahap",
        "Lubis",
        "Pardede",
        "Sihombing",
        "Tambunan",
        "Hutagalung",
        "Silalahi",
        "Napitupulu",
        "Pasaribu",
        "Sitorus",
    ],
    kota: &[
        ("Medan", "12.71"),
        ("Pematang Siantar", "12.72"),
        ("Tarutung", "12.02"),
        ("Balige", "12.12"),
        ("Sibolga", "12.73"),
        ("Padang Sidempuan", "12.77"),
    ],
    agama: [20, 68, 12, 0, 0, 0, 0],
};

static MINANG: SukuDef = SukuDef {
    bobot: 4,
    pria_lama: &[
        "Syamsul Bahri",
        "Nasrul",
        "Zainal",
        "Darmawi",
        "Syafrudin",
        "Yunus",
        "Jamaris",
        "Bustami",
        "Anwar",
        "Nazaruddin",
    ],
    wanita_lama: &[
        "Nurhayati",
        "Rosmaniar",
        "Yusnimar",
        "Syamsiar",
        "Nurbaiti",
        "Asmaniar",
        "Darmawati",
        "Yusniar",
        "Rosmawati",
        "Elinar",
    ],
    pria: &[
        "Afrizal", "Zulkifli", "Yusrizal", "Rahmat", "Fadli", "Hendri", "Andika", "Rizki",
        "Yulianto", "Irwan", "Defri", "Fauzan", "Ikhsan", "Syafri",
    ],
    wanita: &[
        "Yulia", "Desi", "Fitri", "Rahmi", "Elvi", "Vivi", "Yeni", "Rina", "Afni", "Ratna", "Mega",
        "Suci", "Rezki", "Nurul",
    ],
    kedua_pria: &[
        "Hidayat",
        "Putra",
        "Syahputra",
        "Zulkarnain",
        "Syafii",
        "Azhari",
        "Rahman",
        "Efendi",
        "Chaniago",
        "Saputra",
    ],
    kedua_wanita: &[
        "Fitri",
        "Ratnasari",
        "Yanti",
        "Handayani",
        "Syafitri",
        "Rahmadani",
        "Oktaviani",
        "Novita",
        "Yulianti",
        "Permata",
    ],
    marga: &[],
    kota: &[
        ("Padang", "13.71"),
        ("Bukittinggi", "13.75"),
        ("Payakumbuh", "13.76"),
        ("Pariaman", "13.77"),
        ("Solok", "13.72"),
        ("Padang Panjang", "13.74"),
    ],
    agama: [100, 0, 0, 0, 0, 0, 0],
};

static BUGIS: SukuDef = SukuDef {
    bobot: 4,
    pria_lama: &[
        "Andi Baso",
        "La Ode",
        "Daeng Sikki",
        "Muhammad Yusuf",
        "Abdul Rahman",
        "Baharuddin",
        "Amiruddin",
        "Syamsuddin",
        "Lahamuddin",
        "Sanusi",
    ],
    wanita_lama: &[
        "Andi Tenri",
        "Hasnah",
        "Sitti Aminah",
        "Nurhaedah",
        "Hadijah",
        "Sitti Rahmah",
        "Hasma",
        "Nurhayati",
        "Saenab",
        "Sumarni",
    ],
    pria: &[
        "Andi", "Muhammad", "Ahmad", "Irfan", "Ashar", "Rusdi", "Syahrir", "Ansar", "Hamzah",
        "Akbar", "Aswar", "Ilham",
    ],
    wanita: &[
        "Andi",
        "Sitti",
        "Nurul",
        "Hasmawati",
        "Rahmawati",
        "Nurhikmah",
        "Sri",
        "Fitriani",
        "Hartati",
        "Jumriah",
        "Asriani",
        "Murni",
    ],
    kedua_pria: &[
        "Rahman",
        "Amir",
        "Basri",
        "Saleh",
        "Haris",
        "Syarifuddin",
        "Ramli",
        "Tahir",
        "Mappiasse",
        "Kadir",
    ],
    kedua_wanita: &[
        "Tenri",
        "Aminah",
        "Rahmah",
        "Hasanah",
        "Nurjannah",
        "Hadija",
        "Kartini",
        "Marlina",
        "Wahyuni",
        "Sukmawati",
    ],
    marga: &[],
    kota: &[
        ("Makassar", "73.71"),
        ("Watampone", "73.08"),
        ("Parepare", "73.72"),
    ],
    agama: [98, 1, 1, 0, 0, 0, 0],
};

static ARAB: SukuDef = SukuDef {
    bobot: 2,
    pria_lama: &[
        "Husein", "Hasan", "Umar", "Abdullah", "Salim", "Ali", "Ahmad", "Muhsin", "Abubakar",
        "Syech",
    ],
    wanita_lama: &[
        "Fatimah", "Syarifah", "Aisyah", "Khadijah", "Salmah", "Nur", "Zainab", "Sidah", "Alwiyah",
        "Mariam",
    ],
    pria: &[
        "Muhammad", "Husein", "Hasan", "Umar", "Abdullah", "Salim", "Ali", "Ahmad", "Faisal",
        "Hamid", "Alwi", "Zaid", "Habib", "Yahya",
    ],
    wanita: &[
        "Fatimah", "Syarifah", "Aisyah", "Khadijah", "Zahra", "Salma", "Nadia", "Farah", "Sarah",
        "Hafsah", "Rugayah", "Alwiyah", "Maryam", "Naila",
    ],
    kedua_pria: &[],
    kedua_wanita: &[],
    marga: &[
        "Alatas",
        "Assegaf",
        "Alaydrus",
        "Al Habsyi",
        "Baswedan",
        "Shahab",
        "Alkaff",
        "Basalamah",
        "Bafadhal",
        "Bawazier",
        "Aljufri",
        "Alhamid",
    ],
    kota: &[
        ("Pekalongan", "33.75"),
        ("Surabaya", "35.78"),
        ("Palembang", "16.71"),
    ],
    agama: [100, 0, 0, 0, 0, 0, 0],
};

static MANADO: SukuDef = SukuDef {
    bobot: 3,
    pria_lama: &[
        "Hendrik", "Johanis", "Alfrets", "Frans", "Yopie", "Willem", "Benny", "Max", "Jantje",
        "Arnold",
    ],
    wanita_lama: &[
        "Meiske",
        "Anneke",
        "Femmy",
        "Nelly",
        "Wilhelmina",
        "Deetje",
        "Olga",
        "Lientje",
        "Hermin",
        "Jeane",
    ],
    pria: &[
        "Jefry", "Ronald", "Frangky", "Stevanus", "Jacky", "Reinhard", "Marcel", "Glenn",
        "Christo", "Rivo", "Jeremy", "Fernando",
    ],
    wanita: &[
        "Grace",
        "Meiske",
        "Olivia",
        "Vera",
        "Stella",
        "Novita",
        "Injilia",
        "Cindy",
        "Gabriella",
        "Feibe",
        "Rini",
        "Mercy",
    ],
    kedua_pria: &[],
    kedua_wanita: &[],
    marga: &[
        "Lumowa",
        "Tumbelaka",
        "Wowor",
        "Mandagi",
        "Rondonuwu",
        "Sumampouw",
        "Pangemanan",
        "Kalalo",
        "Lengkong",
        "Tambuwun",
        "Rumengan",
        "Worotikan",
        "Pontoh",
        "Sondakh",
        "Tuwaidan",
    ],
    kota: &[
        ("Manado", "71.71"),
        ("Tomohon", "71.73"),
        ("Bitung", "71.72"),
        ("Tondano", "71.02"),
    ],
    agama: [7, 80, 13, 0, 0, 0, 0],
};

static BALI: SukuDef = SukuDef {
    bobot: 1,
    pria_lama: &[
        "Sudarma", "Suwirya", "Mertha", "Sukerta", "Budiasa", "Suardana", "Darmawan", "Sudiarta",
    ],
    wanita_lama: &[
        "Sri Murni",
        "Suartini",
        "Sukarmi",
        "Wartini",
        "Suarni",
        "Ariani",
        "Rai",
        "Sukerti",
    ],
    pria: &[
        "Agus Suryawan",
        "Eka Putra",
        "Dharma Yasa",
        "Adi Wiguna",
        "Arya Pramana",
        "Gede Sudiarta",
        "Bagus Mahendra",
        "Krisna Dwipayana",
    ],
    wanita: &[
        "Ayu Lestari",
        "Sri Wahyuni",
        "Dewi Puspita",
        "Ari Susanti",
        "Ratna Dewi",
        "Eka Pratiwi",
        "Citra Maharani",
        "Intan Permatasari",
    ],
    kedua_pria: &[],
    kedua_wanita: &[],
    marga: &[],
    kota: &[
        ("Denpasar", "51.71"),
        ("Singaraja", "51.08"),
        ("Tabanan", "51.02"),
        ("Gianyar", "51.04"),
    ],
    agama: [2, 0, 0, 98, 0, 0, 0],
};

/// Modern given names by faith (used for children of families whose own pool is
/// old-fashioned).
pub fn nama_muda(
    agama_muslim: bool,
    pria: bool,
) -> (&'static [&'static str], &'static [&'static str]) {
    match (agama_muslim, pria) {
        (true, true) => (MUSLIM_PRIA_MUDA, KEDUA_PRIA_MUDA),
        (true, false) => (MUSLIM_WANITA_MUDA, KEDUA_WANITA_MUDA),
        (false, true) => (KRISTEN_PRIA, KEDUA_PRIA_MUDA),
        (false, false) => (KRISTEN_WANITA, KEDUA_WANITA_MUDA),
    }
}

/// Balinese birth-order names.
pub const BALI_URUTAN: [&[&str]; 4] = [
    &["Wayan", "Putu"],
    &["Made", "Kadek", "Nengah"],
    &["Nyoman", "Komang"],
    &["Ketut"],
];

/// Occupation labels as written on the KTP (SIAK list, title case).
pub mod kerja {
    pub const BELUM: &str = "Belum/Tidak Bekerja";
    pub const IRT: &str = "Mengurus Rumah Tangga";
    pub const PELAJAR: &str = "Pelajar/Mahasiswa";
    pub const PENSIUNAN: &str = "Pensiunan";
    pub const PNS: &str = "Pegawai Negeri Sipil (PNS)";
    pub const TNI: &str = "Tentara Nasional Indonesia (TNI)";
    pub const POLRI: &str = "Kepolisian RI (POLRI)";
    pub const PEDAGANG: &str = "Pedagang";
    pub const NELAYAN: &str = "Nelayan/Perikanan";
    pub const SWASTA: &str = "Karyawan Swasta";
    pub const BUMN: &str = "Karyawan BUMN";
    pub const BURUH: &str = "Buruh Harian Lepas";
    pub const WIRASWASTA: &str = "Wiraswasta";
    pub const GURU: &str = "Guru";
    pub const DOSEN: &str = "Dosen";
    pub const DOKTER: &str = "Dokter";
    pub const PERAWAT: &str = "Perawat";
    pub const BIDAN: &str = "Bidan";
    pub const SOPIR: &str = "Sopir";
    pub const PELAUT: &str = "Pelaut";
    pub const MEKANIK: &str = "Mekanik";
    pub const TUKANG_BATU: &str = "Tukang Batu";
    pub const PEMBANTU: &str = "Pembantu Rumah Tangga";
    pub const USTADZ: &str = "Ustadz/Mubaligh";
    pub const PENDETA: &str = "Pendeta";
    pub const BURUH_NELAYAN: &str = "Buruh Nelayan/Perikanan";
}

/// Every occupation label the generator can produce.
pub const PEKERJAAN: &[&str] = &[
    kerja::BELUM,
    kerja::IRT,
    kerja::PELAJAR,
    kerja::PENSIUNAN,
    kerja::PNS,
    kerja::TNI,
    kerja::POLRI,
    kerja::PEDAGANG,
    kerja::NELAYAN,
    kerja::SWASTA,
    kerja::BUMN,
    kerja::BURUH,
    kerja::WIRASWASTA,
    kerja::GURU,
    kerja::DOSEN,
    kerja::DOKTER,
    kerja::PERAWAT,
    kerja::BIDAN,
    kerja::SOPIR,
    kerja::PELAUT,
    kerja::MEKANIK,
    kerja::TUKANG_BATU,
    kerja::PEMBANTU,
    kerja::USTADZ,
    kerja::PENDETA,
    kerja::BURUH_NELAYAN,
];

/// Other Jakarta regencies whose kecamatan appear as the region of a NIK first issued
/// before the resident moved to Jakarta Utara.
pub const JAKARTA_LAIN: &[&str] = &["31.71", "31.73", "31.74", "31.75"];
